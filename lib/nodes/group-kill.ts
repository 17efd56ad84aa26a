/**
 * Shell text that kills a process group on its host: TERM, then KILL once `graceMs` passed with a member
 * still alive. `pid` is shell text (a number, or `"$p"`) naming the group's leader, which leads its session
 * too (sshd and `setsid` make it so). Needs {@link ALIVE} defined before it.
 * @internal
 */
export const groupKill = (pid: string, graceMs: number): string => {
  const tenths = String(Math.max(1, Math.ceil(graceMs / 100)));
  return (
    `if kill -TERM -${pid} 2>/dev/null; then i=0; ` +
    `while alive ${pid} && [ $i -lt ${tenths} ]; do sleep 0.1; i=$((i+1)); done; ` +
    `alive ${pid} && kill -KILL -${pid} 2>/dev/null; fi`
  );
};

/**
 * Shell text defining `alive P`: true while a process of session P runs. Zombies don't count: where init does
 * not reap them (some containers), `kill -0` would see a dead group for ever. Without `ps`, `kill -0`.
 * @internal
 */
export const ALIVE =
  'alive() { if ps -o stat= -p $$ >/dev/null 2>&1; then ps -o stat= -s "$1" 2>/dev/null | grep -qv "^Z"; ' +
  'else kill -0 -"$1" 2>/dev/null; fi; }; ';
