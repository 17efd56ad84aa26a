/**
 * Which blocks apply: Host patterns, Match criteria, OpenSSH pattern lists, and the host name they compare.
 * @module
 */
import { expand, failer } from './expand.js';
import type { Args } from './keywords.js';
import type { Walk } from './walk-state.js';

/** A Host line: one of the patterns matches and no negated one does (commas are not separators here). */
export function hostMatches(patterns: readonly string[], w: Walk): boolean {
  const host = w.finalPass ? finalHostName(w) : w.original;
  let on = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (patternMatches(host, pattern.slice(1))) return false;
    } else if (patternMatches(host, pattern)) on = true;
  }
  return on;
}

/** A Match line: every criterion holds; a criterion that would run something (exec...) never does. */
export function matchMatches({ list, fail }: Args, w: Walk): boolean {
  let on = true;
  let supported = true;
  for (let i = 0; i < list.length; i++) {
    const word = (list[i] ?? '').toLowerCase();
    const criterion = word.replace(/^!/, '');
    let result: boolean;
    if (criterion === 'all') result = true;
    else if (criterion === 'canonical' || criterion === 'final') {
      if (criterion === 'final') w.wantFinal = true;
      result = w.finalPass;
    } else {
      const arg = list[++i] ?? fail(`${criterion} needs an argument`);
      if (criterion === 'host') result = listMatches(matchHostName(w), arg, true);
      else if (criterion === 'originalhost') result = listMatches(w.original, arg, true);
      else if (criterion === 'user') result = listMatches(w.found.user?.value ?? w.localUser, arg, false);
      else if (criterion === 'localuser') result = listMatches(w.localUser, arg, false);
      else if (['exec', 'localnetwork', 'tagged', 'version', 'sessiontype', 'command'].includes(criterion)) {
        supported = false;
        continue;
      } else return fail(`has an unknown criterion "${criterion}"`);
    }
    if (result === word.startsWith('!')) on = false;
  }
  return on && supported;
}

/** A Match pattern list: comma-separated, with `!` negation; host patterns compare in lower case. */
function listMatches(text: string, list: string, lower: boolean): boolean {
  let on = false;
  for (const item of list.split(',')) {
    const negated = item.startsWith('!');
    const pattern = lower ? item.slice(negated ? 1 : 0).toLowerCase() : item.slice(negated ? 1 : 0);
    if (patternMatches(text, pattern)) {
      if (negated) return false;
      on = true;
    }
  }
  return on;
}

/** OpenSSH patterns: `*` is any run of characters, `?` exactly one; case-sensitive. */
export function patternMatches(text: string, pattern: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) =>
    c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`,
  );
  return new RegExp(`^${source}$`, 's').test(text);
}

/** The host name Match host sees: HostName with %h expanded; lowercased in the final pass, as in ssh. */
function matchHostName(w: Walk): string {
  const raw = w.found.hostname;
  if (w.finalPass) return finalHostName(w);
  return raw === undefined
    ? w.original
    : expand(raw.value, hostNameTokens(w), false, failer(raw.subject, 'HostName'));
}

/** The host name after HostName (with %h), lowercased when it is a DNS name, as ssh does. */
export function finalHostName(w: Walk): string {
  const raw = w.found.hostname;
  const name =
    raw === undefined
      ? w.original
      : expand(raw.value, hostNameTokens(w), false, failer(raw.subject, 'HostName'));
  return /^[A-Za-z0-9._-]+$/.test(name) ? name.toLowerCase() : name; // ssh leaves addresses alone
}

const hostNameTokens = (w: Walk): Map<string, () => string> => new Map([['h', () => w.original]]);
