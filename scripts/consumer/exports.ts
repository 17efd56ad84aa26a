// Type-checked (never run) by `npm run check:consumer`, in a scratch project where the packed tarball is
// installed, under moduleResolution nodenext and bundler, strict, skipLibCheck false, noUnusedLocals. It
// imports every public export of every entry point of the package, and uses each once, as a user would.
// The script fails naming any export missing here: when you add an export, use it here too.
import { filter, lastValueFrom, of } from 'rxjs';
import type { Observable } from 'rxjs';

import {
  GroupJob,
  MatrixJob,
  NodeGroup,
  budgetOf,
  isUnreachable,
  matrix,
  maxMatrixInstances,
  parseWhere,
  CommandFailedError,
  DEFAULT_MAX_LINE_BYTES,
  Flow,
  retryDelay,
  ConfigError,
  CycleError,
  ForeignRequirementError,
  GraphvizError,
  HostKeyError,
  Job,
  JobFailedError,
  JobStatus,
  JobTimeoutError,
  JobsError,
  LocalNode,
  NotAMemberError,
  OutputCollector,
  ProgressLine,
  Pull,
  Push,
  Run,
  RunIf,
  RUN_FORMAT,
  RecordError,
  isRunEnd,
  keyOf,
  latestRun,
  outputFileOf,
  outputNamingOf,
  OUTPUT_NAMING,
  readRun,
  recordRun,
  resumePlan,
  RunScript,
  RunString,
  STDERR_SUFFIX,
  Scheduler,
  SchedulerAbortedError,
  Sequence,
  Service,
  SshAuthError,
  SshConnectError,
  SshError,
  SshJob,
  SshNode,
  SshTimeoutError,
  TargetError,
  TransferError,
  Variables,
  appendKnownHost,
  captureStdout,
  checkHostKey,
  chunkEvent,
  commandEventOf,
  commandEvents,
  describeExit,
  describeFailure,
  exitEvent,
  exitStatus,
  expandHostRanges,
  fingerprint,
  foldHosts,
  formatGathered,
  formatLine,
  gatherOutputs,
  hostFileName,
  isAllowedExit,
  isCommandEvent,
  isJobsError,
  labelWidth,
  lineEvent,
  lineFormatter,
  lines,
  listingLegend,
  nodeRef,
  normalizeSignal,
  outcomeOf,
  parseJumpHops,
  resolveSshConfig,
  shellJoin,
  shellQuote,
  stdout,
  throwOnFailure,
  toJsonLines,
  toJsonRecord,
  valuesOf,
  verifyHostKey,
  writeHostFiles,
  writeLines,
  writeProgress,
  writeReport,
} from 'rxjobs';
import type {
  OutputLimits,
  ReportOptions,
  FailureBudget,
  FleetJobOptions,
  GroupJobOptions,
  GroupSummary,
  GroupWork,
  HostsOptions,
  MatrixAxes,
  MatrixAxis,
  MatrixInstance,
  MatrixJobOptions,
  MatrixOptions,
  MatrixValue,
  MatrixWork,
  MaxFailures,
  MemberSshOptions,
  NodeGroupOptions,
  ParseWhereOptions,
  WherePredicate,
  Retries,
  RetryOptions,
  JournalCaptureRecord,
  JournalEndRecord,
  JournalEventRecord,
  JournalRecord,
  JournalResultRecord,
  PlanJson,
  PlannedJob,
  PlannedKind,
  RecordOption,
  RecordRunOptions,
  RestoreOption,
  OutputNaming,
  RecordCut,
  RecordedCounts,
  RecordIncomplete,
  RerunJob,
  RestoredCapture,
  ResumePlan,
  RecordedOutputs,
  RunCounts,
  RunJson,
  RunOutcome,
  RunProgram,
  RunRecord,
  StdinChunk,
  StdinStream,
  Arg,
  CancelReason,
  ChunkEvent,
  CollectedOutput,
  Command,
  CommandContext,
  CommandEvent,
  CommandOptions,
  Commands,
  ConnectFailure,
  ExecOptions,
  ExitEvent,
  FailureReason,
  GatheredBlock,
  GatheredFormatOptions,
  GraphicFormat,
  GraphOptions,
  GraphvizErrorDetails,
  HostFilesOptions,
  HostKey,
  HostKeyCheck,
  HostKeyPolicy,
  HostKeyProblem,
  HostLookup,
  HostOutput,
  JobCancelledEvent,
  JobChain,
  JobContext,
  JobDoneEvent,
  JobFailedEvent,
  JobGroup,
  JobOptions,
  JobOutcome,
  JobSkippedEvent,
  JobStartedEvent,
  JobValueEvent,
  JobsErrorByCode,
  JobsErrorCode,
  JsonChunkRecord,
  JsonEndRecord,
  JsonExitRecord,
  JsonJobRecord,
  JsonLineRecord,
  JsonLinesOptions,
  JsonRecord,
  JumpHop,
  JumpSpecSource,
  KeepOnlyBetweenOptions,
  LineEvent,
  LineFormatOptions,
  ListOptions,
  LocalNodeOptions,
  Node,
  NodeRef,
  OrchestrateOptions,
  OutputMode,
  OutputStream,
  PassThroughOperator,
  ProgressCounts,
  ProgressLineOptions,
  RenderableEvent,
  Requirement,
  ResolveSshConfigOptions,
  RunCommandOptions,
  RunOptions,
  RunScriptOptions,
  RunStringOptions,
  Schedulable,
  SchedulerEndEvent,
  SchedulerEvent,
  SchedulerOptions,
  SequenceOptions,
  ServiceOptions,
  ShutdownContext,
  ShutdownHook,
  SshAlgorithmList,
  SshAlgorithms,
  SshHostConfig,
  SshJobOptions,
  SshNodeOptions,
  StopReason,
  TargetErrorDetails,
  ThrowOnFailureOptions,
  TransferCommandOptions,
  TransferOptions,
  VerifyHostKeyOptions,
  WriteLinesOptions,
  WriteProgressOptions,
  Work,
} from 'rxjobs';
import {
  ScenarioSpec,
  buildScenario,
  describeScenario,
  formatProblems,
  loadScenario,
  parseScenario,
} from 'rxjobs/scenario';
import type {
  ApsshDialect,
  BuildScenarioOptions,
  BuiltScenario,
  DescribeScenarioOptions,
  Dialect,
  DialectNote,
  LoadedScenario,
  LoadScenarioOptions,
  ParseScenarioOptions,
  ScenarioProblem,
  SshNodeDefaults,
  VariableOverrides,
} from 'rxjobs/scenario';

// ---- jobs, sequences, schedulers
const work: Work<number> = ({ signal }: JobContext) => (signal.aborted ? of(0) : of(1, 2));
const shutdown: ShutdownHook = ({ signal }: ShutdownContext) => (signal.aborted ? undefined : of(true));
const jobOptions: JobOptions = { label: 'count', critical: false, runIf: RunIf.AllSuccess, shutdown };
const counted = new Job(work, jobOptions);
const retryOptions: RetryOptions = { count: 2, delay: 100, backoff: 2, maxDelay: 1_000 };
const retries: Retries = retryDelay(retryOptions, 2) > 0 ? retryOptions : 3;
export const retried = new Job(work, { retries });
const chain: JobChain = new Sequence(counted, new Job(async () => 'b'), {
  requires: null,
} satisfies SequenceOptions);
const requirement: Requirement = [counted, chain];
const later = new Job(() => of(true), { requires: requirement });
const schedulable: Schedulable = [counted, later];
const schedulerOptions: SchedulerOptions = { jobsWindow: 2, timeout: 1_000, critical: true };
const scheduler = new Scheduler([schedulable], schedulerOptions);
const runOptions: RunOptions = { timeout: 500 };
const between: KeepOnlyBetweenOptions = { starts: [counted], ends: [later] };
const listOptions: ListOptions = { ascii: true };
const format: GraphicFormat = 'svg';
const graphOptions: GraphOptions = { unfold: true };
export const graph = async (): Promise<string> => {
  scheduler.keepOnlyBetween(between);
  const progress: WriteProgressOptions = { stdout: process.stdout };
  const orchestrateOptions: OrchestrateOptions = { ...runOptions, verbose: writeProgress(progress) };
  const ok: boolean = await scheduler.orchestrate(orchestrateOptions);
  return `${String(ok)} ${scheduler.list(listOptions)} ${listingLegend(true)} ${await scheduler.exportAsSvgfile(`g.${format}`)} ${scheduler.toDot(graphOptions)}`;
};
if (counted.status === JobStatus.Done) counted.result() satisfies number | undefined;
export const counts: Observable<number> = scheduler.run().pipe(valuesOf(counted));
// ---- run records
export const recorded = async (): Promise<string> => {
  const option: RecordOption = { record: 'runs/today' };
  await scheduler.orchestrate(option);
  await lastValueFrom(scheduler.run().pipe(recordRun(scheduler, 'runs/again')));
  const record: RunRecord = await readRun('runs/today');
  const resume: ResumePlan = resumePlan(scheduler, record);
  const rerun: readonly RerunJob[] = resume.rerun;
  await scheduler.orchestrate({ restore: resume.restore, record: 'runs/resumed' });
  const restoreOption: RestoreOption = { restore: resume };
  await scheduler.orchestrate({ ...restoreOption, record: 'runs/resumed-from' });
  const recordOptions: RecordRunOptions = { resumedFrom: resume.from };
  await lastValueFrom(
    scheduler.run({ restore: resume }).pipe(recordRun(scheduler, 'runs/more', recordOptions)),
  );
  console.log(
    rerun.map((r) => `${r.key}: ${r.why}`),
    resume.restored,
    resume.captures.map((c: RestoredCapture) => `${c.key}: ${c.name}`),
  );
  const latest: RunRecord = await latestRun('runs', 'slug');
  const run: RunJson = record.run;
  const counts: RunCounts | undefined = run.counts;
  const recordedCounts: RecordedCounts | undefined = run.counts;
  const incomplete: RecordIncomplete | undefined = run.recordIncomplete;
  const cut: RecordCut | undefined = incomplete?.outputs ?? incomplete?.events;
  const naming: OutputNaming = outputNamingOf(run);
  console.log(
    recordedCounts?.restored,
    cut?.reason,
    naming === OUTPUT_NAMING,
    outputFileOf('a', 'stdout', naming),
  );
  const outcome: RunOutcome | undefined = run.outcome;
  const program: RunProgram = run.program;
  const plan: PlanJson = { jobs: record.plan };
  const first: PlannedJob | undefined = plan.jobs[0];
  const kind: PlannedKind | undefined = first?.kind;
  const outputs: RecordedOutputs = latest.outputsOf(keyOf(undefined, 'a', 2));
  const texts = record.events.map((r: JournalRecord): string => {
    if (isRunEnd(r)) return (r satisfies JournalEndRecord).outcome;
    if (r.type === 'capture') return (r satisfies JournalCaptureRecord).value;
    if (r.type === 'result') return (r satisfies JournalResultRecord).status;
    return (r satisfies JournalEventRecord).key;
  });
  const error = new RecordError('run.json', 'is not JSON');
  return `${RUN_FORMAT} ${program} ${String(counts?.total)} ${String(outcome)} ${String(kind)} ${String(outputs.out)} ${outputFileOf('a', 'stderr')} ${texts.join()} ${error.file}`;
};
export const countOutcome: Observable<JobOutcome<number>> = scheduler.run().pipe(outcomeOf(counted));

// ---- the events of a run
const describeEvent = (e: SchedulerEvent): string => {
  switch (e.type) {
    case 'started':
      return (e satisfies JobStartedEvent).job.label;
    case 'value':
      return String((e satisfies JobValueEvent).value);
    case 'done':
      return String((e satisfies JobDoneEvent).value);
    case 'failed':
      return (e satisfies JobFailedEvent).error.message;
    case 'cancelled': {
      const reason: CancelReason = (e satisfies JobCancelledEvent).reason;
      return reason;
    }
    case 'skipped':
      return (e satisfies JobSkippedEvent).because.map((j) => j.label).join();
    case 'end': {
      const reason: StopReason = (e satisfies SchedulerEndEvent).reason;
      const group: JobGroup = e.scheduler;
      const listing: string = e.scheduler.list({ ascii: true });
      return `${reason}: ${e.why} (${group.label}, ${String(group.size)} jobs)\n${listing}`;
    }
  }
};
export const failures = scheduler.run().pipe(
  filter((e) => e.type === 'failed'),
  filter((e) => describeEvent(e) !== ''),
);
export const outcome = (): string | undefined => {
  const o: JobOutcome<number> | undefined = counted.outcome();
  return o === undefined ? undefined : describeFailure(o)?.detail;
};
const reason: FailureReason | undefined = undefined;

// ---- errors
export const explain = (e: unknown): string => {
  const code: JobsErrorCode = 'command-failed';
  if (isJobsError(e, code)) {
    const byCode: JobsErrorByCode['command-failed'] = e;
    return `${byCode.command}: ${describeExit({ code: byCode.exitCode, signal: byCode.signal })}`;
  }
  if (e instanceof SshConnectError) {
    const failure: ConnectFailure = e.reason;
    return failure;
  }
  if (e instanceof TargetError) return e.target;
  if (e instanceof HostKeyError) {
    const problem: HostKeyProblem = e.problem;
    return problem;
  }
  if (e instanceof GraphvizError) return e.reason;
  const details: GraphvizErrorDetails = { reason: 'missing', path: 'g.svg', format: 'svg' };
  const targetDetails: TargetErrorDetails = { target: 'fit[3-1]', problem: 'descending' };
  if (e === details || e === targetDetails) return 'never';
  const classes = [
    JobsError,
    ConfigError,
    CycleError,
    ForeignRequirementError,
    JobFailedError,
    JobTimeoutError,
    NotAMemberError,
    SchedulerAbortedError,
    CommandFailedError,
    SshAuthError,
    SshError,
    SshTimeoutError,
    TransferError,
  ] as const;
  return classes.find((c) => e instanceof c)?.name ?? String(reason);
};

// ---- nodes and their command streams
const localOptions: LocalNodeOptions = { label: 'here' };
const local: Node = new LocalNode(localOptions);
const algorithmList: SshAlgorithmList = { prepend: 'ssh-ed25519' };
const algorithms: SshAlgorithms = { serverHostKey: algorithmList, cipher: ['aes128-gcm@openssh.com'] };
const sshOptions: SshNodeOptions = {
  hostname: 'fit01',
  username: 'root',
  hostKeyPolicy: 'accept-new',
  algorithms,
};
const remote = new SshNode(sshOptions);
const flow = new Flow();
const stdinChunks: StdinChunk[] = ['a line\n', new Uint8Array([0x62, 0x0a])];
const stdin: StdinStream = of(...stdinChunks);
const execOptions: ExecOptions = {
  env: { LANG: 'C' },
  output: 'lines' satisfies OutputMode,
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  flow,
  stdin,
};
const transferOptions: TransferOptions = {
  preserve: true,
  onRenamed: (remoteName, localName) => {
    if (remoteName !== localName) flow.hold()(); // a hold released at once
  },
};
const ref: NodeRef = nodeRef(local);
const line: LineEvent = lineEvent('stdout', Buffer.from('hi'), true, ref);
const chunk: ChunkEvent = chunkEvent('stderr', Buffer.from('oops'), ref);
const exit: ExitEvent = exitEvent(ref, null, normalizeSignal('TERM'));
export const streams = async (): Promise<string> => {
  const stream: Observable<CommandEvent> = local.exec('uname -a', execOptions);
  const all = await lastValueFrom(stream.pipe(lines()));
  const out = await lastValueFrom(remote.exec('hostname').pipe(stdout()));
  const code = await lastValueFrom(
    local
      .exec('true')
      .pipe(throwOnFailure({ command: 'true' } satisfies ThrowOnFailureOptions), exitStatus()),
  );
  const captured = await lastValueFrom(local.exec('date').pipe(captureStdout()));
  await lastValueFrom(local.push(['a'], '/tmp', transferOptions));
  return `${all}${out}${String(code.code)}${captured}${String(isAllowedExit(exit, ['TERM']))}`;
};
const kind = (e: CommandEvent): OutputStream | 'exit' => (e.type === 'exit' ? e.type : e.stream);
export const kinds = [line, chunk].map(kind);

// ---- trust and configuration
export const trust = async (): Promise<string> => {
  const lookup: HostLookup = { host: 'fit01', port: 22 };
  const key: HostKey = { type: 'ssh-ed25519', data: Buffer.from('') };
  const check: HostKeyCheck = await checkHostKey(lookup, key, ['known_hosts']);
  const policy: HostKeyPolicy = 'strict';
  const verify: VerifyHostKeyOptions = { policy, files: ['known_hosts'], userFile: undefined };
  await verifyHostKey(lookup, key, verify);
  await appendKnownHost('known_hosts', lookup, key);
  const configOptions: ResolveSshConfigOptions = { text: 'Host *\n  User root\n' };
  const config: SshHostConfig = await resolveSshConfig('fit01', configOptions);
  const source: JumpSpecSource = { subject: 'node fit01', field: 'gateway' };
  const hops: JumpHop[] = parseJumpHops('gw,root@gw2:2222', source);
  return `${check.status} ${fingerprint(key.data)} ${String(config.user)} ${String(hops.length)}`;
};

// ---- commands and SSH jobs
const commandOptions: CommandOptions = { label: 'x', allowedExits: [1] };
const runOptions2: RunCommandOptions = { ...commandOptions, capture: 'kernel' };
const scriptOptions: RunScriptOptions = { includes: ['common.sh'] };
const stringOptions: RunStringOptions = { remoteName: 'setup.sh' };
const transferCommandOptions: TransferCommandOptions = { preserve: false };
const arg: Arg = (v: Variables) => v.get('kernel') ?? '?';
const service = new Service('iperf3 -s', { serviceId: 'iperf' } satisfies ServiceOptions);
const mine: Command = {
  label: 'mine',
  allowedExits: [],
  describe: () => 'mine',
  run: (node: Node, context: CommandContext) => node.exec(context.variables.expand('echo {{kernel}}')),
};
const commands: Commands = [
  'uname -r',
  new Run('uname', '-r', runOptions2),
  new RunScript('setup.sh', arg, scriptOptions),
  new RunString('echo hi', stringOptions),
  new Push(['a'], '/tmp', transferCommandOptions),
  new Pull(['b'], 'out'),
  service.start(),
  mine,
];
const sshJobOptions: SshJobOptions = { variables: new Variables(), keepConnection: false };
export const sshJob = new SshJob(remote, commands, sshJobOptions);

// ---- renderers
export const render = async (): Promise<string> => {
  const passThrough: PassThroughOperator = writeLines({ format: 'raw' } satisfies WriteLinesOptions);
  const files: HostFilesOptions = { nodes: [remote] };
  const end: SchedulerEvent = await lastValueFrom(
    scheduler.run().pipe(passThrough, writeHostFiles('out', files)),
  );
  const renderable: RenderableEvent = end;
  const isCommand = isCommandEvent(renderable) || commandEventOf(renderable) !== undefined;
  const lineOptions: LineFormatOptions = { format: 'host', width: labelWidth([remote]) };
  const toLine = lineFormatter(lineOptions);
  const json: JsonLinesOptions = { now: () => new Date(0) };
  const record: JsonRecord = toJsonRecord(end, '1970-01-01T00:00:00.000Z');
  const describeRecord = (r: JsonRecord): string => {
    switch (r.type) {
      case 'line':
        return (r satisfies JsonLineRecord).text;
      case 'chunk':
        return (r satisfies JsonChunkRecord).stream;
      case 'exit':
        return String((r satisfies JsonExitRecord).code);
      case 'end':
        return (r satisfies JsonEndRecord).why;
      default:
        return (r satisfies JsonJobRecord).job;
    }
  };
  const texts = await lastValueFrom(scheduler.run().pipe(commandEvents(), toJsonLines(json)));
  return `${describeRecord(record)}${texts}${String(toLine)}${hostFileName('fit01')}${STDERR_SUFFIX}${formatLine}${kind}${String(isCommand)}`;
};
export const gather = (): string => {
  const collector = new OutputCollector();
  collector.add('fit01', 'stdout', 'hello');
  const collected: CollectedOutput[] = collector.outputs();
  const outputs: HostOutput[] = collected;
  const blocks: GatheredBlock[] = gatherOutputs(outputs);
  const gathered: GatheredFormatOptions = { color: false };
  return (
    formatGathered(blocks, gathered) +
    foldHosts(expandHostRanges('fit[01-03]')) +
    shellJoin(['a', shellQuote('b c')])
  );
};
export const progress = (): void => {
  const options: ProgressLineOptions = { name: 'hosts', unit: 'host' };
  const line = new ProgressLine(process.stderr, options);
  const counts: ProgressCounts = { total: 3, done: 1, failed: 0, running: 2 };
  line.update(counts);
  line.stop();
};

// ---- scenario files: rxjobs/scenario
export const scenario = (): string => {
  const variables: VariableOverrides = { gwname: 'gw.example.org' };
  const parseOptions: ParseScenarioOptions = { dir: '.', variables };
  const parsed = parseScenario('jobs: []', 'inline.yaml', parseOptions);
  const loadOptions: LoadScenarioOptions = { variables };
  const loaded = loadScenario('experiment.yaml', loadOptions);
  if (loaded._tag === 'Left') return formatProblems(loaded.left);
  const ssh: SshNodeDefaults = { username: 'root' };
  const buildOptions: BuildScenarioOptions = { ssh };
  const built: BuiltScenario = buildScenario(loaded.right, buildOptions);
  const valid = ScenarioSpec.is(loaded.right.spec);
  const apssh: ApsshDialect | undefined = loaded.right.dialect;
  const dialect: Dialect = apssh?.dialect ?? 'rxjobs';
  const notes: readonly DialectNote[] = apssh?.notes ?? [];
  const describeOptions: DescribeScenarioOptions = { ...buildOptions };
  return `${dialect}${String(notes.length)}${describeScenario(loaded.right, describeOptions)}${String(valid)}${built.scheduler.label}${parsed._tag === 'Right' ? (parsed.right satisfies LoadedScenario).file : (parsed.left satisfies ScenarioProblem[]).join()}`;
};

// ---- fleets: groups of nodes, group jobs, matrices
export const fleet = async (): Promise<string> => {
  const hostsOptions: HostsOptions = { username: 'root', gateway: 'me@gateway.example.org' };
  const fits = NodeGroup.fromHosts('fit[01-03]', hostsOptions);
  const groupOptions: NodeGroupOptions = { label: 'locals' };
  const locals = NodeGroup.of([new LocalNode({ label: 'n1' })], groupOptions);
  const maxFailures: MaxFailures = '10%';
  const member: MemberSshOptions = { stderrTail: 5 };
  const groupJobOptions: GroupJobOptions = {
    ...member,
    label: 'prepare',
    maxFailures,
    memberTimeout: 60_000,
  };
  const work: GroupWork = (node, index) => (index === 0 ? new SshJob(node, 'true') : `echo ${node.label}`);
  const prepare = new GroupJob(fits, work, groupJobOptions);
  const value: MatrixValue = 100;
  const sizes: MatrixAxis = [value, 1000];
  const axes: MatrixAxes = { sender: fits, receiver: locals, size: sizes };
  const keep: WherePredicate = parseWhere('sender != receiver', {
    subject: 'pairs',
  } satisfies ParseWhereOptions);
  const options: MatrixOptions = { where: keep, exclude: [{ size: 1000 }] };
  const instances: MatrixInstance[] = matrix(axes, options);
  const make: MatrixWork = (i) => new SshJob(i.node('sender'), `ping -c 1 ${i.vars['receiver'] ?? ''}`);
  const fleetOptions: FleetJobOptions = { jobsWindow: 1, ignoreUnreachable: true };
  const matrixOptions: MatrixJobOptions = { ...fleetOptions, where: 'size == 100' };
  const pairs = new MatrixJob(axes, make, { ...matrixOptions, label: 'pairs', requires: prepare });
  await new Scheduler([prepare, pairs]).orchestrate();
  const summary: GroupSummary = prepare.summary();
  const budget: FailureBudget | undefined = pairs.failureBudget();
  const unreachable = isUnreachable(prepare.member('fit01')?.raisedException());
  await fits.close();
  return `${summary.text}${String(budget?.budget)}${String(budgetOf(maxFailures, 37))}${String(unreachable)}${String(instances.length + maxMatrixInstances)}`;
};

// The HTML report of a recorded run.
export const report = (runDir: string): Promise<string> => {
  const outputLimits: OutputLimits = { lines: 100, bytes: 32 * 1024 };
  const reportOptions: ReportOptions = { output: `${runDir}/r.html`, outputLimits, maxInlineBytes: 1 << 20 };
  return writeReport(runDir, reportOptions);
};
