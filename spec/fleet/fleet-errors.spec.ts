// What plain JavaScript callers hear when a group or a matrix is given something wrong: one ConfigError that
// names the class, its label and the member or instance at fault, the caller's own error as its cause.
import { expect } from 'chai';
import { of } from 'rxjs';

import {
  ConfigError,
  GroupJob,
  Job,
  LocalNode,
  matrix,
  MatrixJob,
  NodeGroup,
  SshJob,
} from '../../lib/index.js';
import type { Node } from '../../lib/index.js';
import { thrown } from '../helpers/errors.js';

const configError = (f: () => unknown): ConfigError => {
  const e = thrown(f);
  expect(e).to.be.instanceOf(ConfigError);
  return e as ConfigError;
};

describe('GroupJob and MatrixJob errors', () => {
  let nodes: LocalNode[];
  let fits: NodeGroup;
  beforeEach(() => {
    nodes = ['fit01', 'fit02'].map((label) => new LocalNode({ label }));
    fits = NodeGroup.of(nodes);
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });
  const boom = new Error('boom');
  const throws = (): never => {
    throw boom;
  };

  it('a where function that throws: the matrix, the instance, and the error as cause', () => {
    let e = configError(() => new MatrixJob({ a: [1, 2] }, () => new Job(() => of(1)), { where: throws }));
    expect(e.message).to.equal('matrix job "a": where threw for instance a=1: boom');
    expect(e.cause).to.equal(boom);
    e = configError(() => matrix({ a: [1, 2], b: ['x'] }, { where: throws }));
    expect(e.message).to.equal('matrix(): where threw for instance a=1 b=x: boom');
    expect(e.cause).to.equal(boom);
  });

  it('a make or what function that throws: the member it was making', () => {
    let e = configError(() => new MatrixJob({ a: [1, 2] }, throws, { label: 'm' }));
    expect(e.message).to.equal('matrix job "m": make(1) threw: boom');
    expect(e.cause).to.equal(boom);
    e = configError(() => new GroupJob(fits, throws, { label: 'p' }));
    expect(e.message).to.equal('group job "p": what(fit01) threw: boom');
    expect(e.cause).to.equal(boom);
  });

  it('maxFailures and requires name the group or matrix job, as their other options do', () => {
    for (const bad of [Number.NaN, Infinity, '10 %', -1, 1.5, 'abc'])
      expect(
        configError(() => new GroupJob(fits, 'true', { label: 'p', maxFailures: bad as number })).message,
      ).to.match(/^group job "p": maxFailures /);
    expect(
      configError(() => new MatrixJob({ a: [1] }, () => new Job(() => of(1)), { maxFailures: -1 })).message,
    ).to.match(/^matrix job "a": maxFailures /);
    expect(
      configError(() => new GroupJob(fits, ['echo'], { requires: 'x' as unknown as Job })).message,
    ).to.equal('group job "group": requires must be a job, a Sequence or an array of them, got string "x"');
    expect(
      configError(
        () => new MatrixJob({ a: [1] }, () => new Job(() => of(1)), { requires: 5 as unknown as Job }),
      ).message,
    ).to.match(/^matrix job "a": requires must be a job/);
  });

  it('new NodeGroup() from plain JavaScript says to use NodeGroup.of or NodeGroup.fromHosts', () => {
    const Ctor = NodeGroup as unknown as new (...args: unknown[]) => NodeGroup;
    expect(configError(() => new Ctor()).message).to.equal(
      "node group: constructor is not public: use NodeGroup.of(nodes) or NodeGroup.fromHosts('fit[01-37]')",
    );
  });

  it('member() of something that is neither a node nor a host name is undefined', () => {
    const group = new GroupJob(fits, 'true', { label: 'p' });
    const member = group.member.bind(group) as (x: unknown) => Job | undefined;
    for (const x of [undefined, null, 42, 'nope', {}]) expect(member(x)).to.equal(undefined);
    expect(fits.nameOf(undefined as unknown as Node)).to.equal(undefined);
    expect(member(nodes[1])?.label).to.equal('p@fit02');
  });

  it('what returning a job on another node than the member: refused, naming the member', () => {
    const other = new LocalNode({ label: 'elsewhere' });
    const e = configError(() => new GroupJob(fits, () => new SshJob(other, 'true'), { label: 'p' }));
    expect(e.message).to.equal(
      'group job "p": what(fit01) returned job "true" on node "elsewhere": a member runs on its own node, the one passed to what',
    );
    // the member's own node, or a node of the same name (another object for the same host), is fine
    const own = new GroupJob(fits, (node) => new SshJob(node, 'true'), { label: 'q' });
    expect(own.member('fit02')?.label).to.equal('q@fit02');
    const same = new GroupJob(fits, (node) => new SshJob(new LocalNode({ label: node.label }), 'true'));
    expect(same.size).to.equal(2);
  });

  it('a MatrixJob whose where or exclude leaves no instance is refused, as a scenario is', () => {
    const make = (): Job => new Job(() => of(1));
    expect(configError(() => new MatrixJob({ x: [1, 2] }, make, { where: "x == 'nope'" })).message).to.equal(
      'matrix job "x": where leaves no instance of the 2 of x',
    );
    expect(
      configError(
        () =>
          new MatrixJob({ s: fits, r: fits }, make, {
            label: 'pairs',
            exclude: [{ s: 'fit01' }, { s: 'fit02' }],
          }),
      ).message,
    ).to.equal('matrix job "pairs": exclude leaves no instance of the 4 of s × r');
  });
});
