/// <reference types="node" preserve="true" />
// The reference (kept in the .d.ts by `preserve`) loads Node's types for a user's compiler: the
// declarations use Buffer, NodeJS.WritableStream and node:stream, and TypeScript 6 loads no @types package
// unless told to (`types` defaults to []). @types/node is a peer dependency, so the user's copy is the one.
/**
 * Jobs, schedulers, nodes, commands, SSH jobs and the renderers of their streams.
 * @module rxjobs
 */
// Public API: explicit named re-exports only.
export { Job, JobStatus, RunIf } from './core/job.js';
export type {
  JobChain,
  JobContext,
  JobOptions,
  Requirement,
  ShutdownContext,
  ShutdownHook,
  Work,
} from './core/job.js';
export { retryDelay } from './core/job/retry.js';
export type { Retries, RetryOptions } from './core/job/retry.js';
export { Sequence } from './core/sequence.js';
export type { Schedulable, SequenceOptions } from './core/sequence.js';
export { Scheduler } from './scheduler.js';
export type { OrchestrateOptions, RunOptions, SchedulerOptions } from './core/scheduler.js';
export { budgetOf } from './core/job/max-failures.js';
export type { FailureBudget, MaxFailures } from './core/job/max-failures.js';
export { outcomeOf, valuesOf } from './core/values-of.js';
export type { KeepOnlyBetweenOptions } from './core/graph.js';
export type {
  CancelReason,
  JobCancelledEvent,
  JobDoneEvent,
  JobFailedEvent,
  JobGroup,
  JobOutcome,
  JobSkippedEvent,
  JobStartedEvent,
  JobValueEvent,
  SchedulerEndEvent,
  SchedulerEvent,
  StopReason,
} from './core/events.js';
export { isJobsError, JobsError } from './errors/jobs-error.js';
export type { JobsErrorByCode, JobsErrorCode } from './errors/jobs-error.js';
export { ConfigError } from './errors/config-error.js';
export { CycleError } from './core/errors/cycle-error.js';
export { ForeignRequirementError } from './core/errors/foreign-requirement-error.js';
export { JobFailedError } from './core/errors/job-failed-error.js';
export { JobTimeoutError } from './core/errors/job-timeout-error.js';
export { NotAMemberError } from './core/errors/not-a-member-error.js';
export { SchedulerAbortedError } from './core/errors/scheduler-aborted-error.js';
export { GraphvizError } from './errors/graphviz-error.js';
export type { GraphvizErrorDetails } from './errors/graphviz-error.js';
export { listingLegend } from './render/text/list.js';
export type { ListOptions } from './render/print-list.js';
export type { GraphicFormat } from './render/files/export.js';
export type { GraphOptions } from './render/text/dot.js';

// Run records: a run's journal in a directory, and reading it back
export type { RecordOption, RestoreOption } from './scheduler.js';
export { recordRun } from './record/record-run.js';
export type { RecordRunOptions } from './record/record-run.js';
export { latestRun, readRun } from './record/read.js';
export { resumePlan } from './record/resume.js';
export type { RerunJob, RestoredCapture, ResumePlan } from './record/resume.js';
export { RecordError } from './record/record-error.js';
export { keyOf, outputFileOf, outputNamingOf, OUTPUT_NAMING } from './record/keys.js';
export { isRunEnd, RUN_FORMAT } from './record/types.js';
export type {
  JournalCaptureRecord,
  JournalEndRecord,
  JournalEventRecord,
  JournalRecord,
  JournalResultRecord,
  PlanJson,
  PlannedJob,
  PlannedKind,
  OutputNaming,
  RecordCut,
  RecordedCounts,
  RecordedOutputs,
  RecordIncomplete,
  RunCounts,
  RunJson,
  RunOutcome,
  RunProgram,
  RunRecord,
} from './record/types.js';

// Nodes: where commands run, and their command streams
export {
  chunkEvent,
  lineEvent,
  exitEvent,
  nodeRef,
  describeExit,
  isAllowedExit,
  normalizeSignal,
  DEFAULT_MAX_LINE_BYTES,
} from './nodes/command-event.js';
export type {
  ChunkEvent,
  CommandEvent,
  ExitEvent,
  LineEvent,
  NodeRef,
  OutputStream,
} from './nodes/command-event.js';
export type { ExecOptions, Node, OutputMode, TransferOptions } from './nodes/node.js';
export { Flow } from './nodes/flow.js';
export type { StdinChunk, StdinStream } from './nodes/stdin-feed.js';
export { SshNode } from './nodes/ssh/ssh-node.js';
export type { SshNodeOptions } from './nodes/ssh/ssh-node.js';
export type { SshAlgorithmList, SshAlgorithms } from './nodes/ssh/ssh-node-options.js';
export { LocalNode } from './nodes/local/local-node.js';
export type { LocalNodeOptions } from './nodes/local/local-node-options.js';
export { exitStatus, lines, stdout, throwOnFailure } from './nodes/operators.js';
export type { ThrowOnFailureOptions } from './nodes/operators.js';
export { shellJoin, shellQuote } from './nodes/shell-quote.js';
export { appendKnownHost, checkHostKey, fingerprint, verifyHostKey } from './nodes/trust/known-hosts.js';
export type {
  HostKey,
  HostKeyCheck,
  HostKeyPolicy,
  HostLookup,
  VerifyHostKeyOptions,
} from './nodes/trust/known-hosts.js';
export { parseJumpHops, resolveSshConfig } from './nodes/trust/ssh-config/index.js';
export type {
  JumpHop,
  JumpSpecSource,
  ResolveSshConfigOptions,
  SshHostConfig,
} from './nodes/trust/ssh-config/index.js';
export { CommandFailedError } from './errors/command-failed-error.js';
export { HostKeyError } from './errors/host-key-error.js';
export type { HostKeyProblem } from './errors/host-key-error.js';
export { SshAuthError } from './errors/ssh-auth-error.js';
export { SshConnectError } from './errors/ssh-connect-error.js';
export type { ConnectFailure } from './errors/ssh-connect-error.js';
export { SshError } from './errors/ssh-error.js';
export { SshTimeoutError } from './errors/ssh-timeout-error.js';
export { TransferError } from './errors/transfer-error.js';

// Commands and SSH jobs
export type { Arg, Command, CommandContext, CommandOptions } from './commands/command.js';
export { Run } from './commands/run.js';
export type { RunCommandOptions } from './commands/run.js';
export { RunScript } from './commands/run-script.js';
export type { RunScriptOptions } from './commands/run-script.js';
export { RunString } from './commands/run-string.js';
export type { RunStringOptions } from './commands/run-string.js';
export { Pull, Push } from './commands/transfer.js';
export type { TransferCommandOptions } from './commands/transfer.js';
export { Service } from './commands/service.js';
export type { ServiceOptions } from './commands/service.js';
export { Variables } from './commands/variables.js';
export { SshJob } from './ssh-job/ssh-job.js';
export type { Commands, SshJobOptions } from './ssh-job/ssh-job-options.js';

// Renderers of command and scheduler streams
export { captureStdout } from './render/text/capture.js';
export { commandEventOf, commandEvents, isCommandEvent } from './render/text/command-events.js';
export type { PassThroughOperator, RenderableEvent } from './render/text/command-events.js';
export { hostFileName, STDERR_SUFFIX, writeHostFiles } from './render/files/host-files.js';
export type { HostFilesOptions } from './render/files/host-files.js';
export { formatLine, labelWidth, lineFormatter } from './render/text/host-lines.js';
export { writeLines } from './render/write-lines.js';
export type { LineFormatOptions } from './render/text/host-lines.js';
export type { WriteLinesOptions } from './render/write-lines.js';
export { toJsonLines, toJsonRecord } from './render/text/json-lines.js';
export type {
  JsonChunkRecord,
  JsonEndRecord,
  JsonExitRecord,
  JsonJobRecord,
  JsonLineRecord,
  JsonLinesOptions,
  JsonRecord,
} from './render/text/json-lines.js';
export { describeFailure } from './render/text/failure-reason.js';
export { writeProgress } from './render/write-progress.js';
export type { WriteProgressOptions } from './render/write-progress.js';
export type { FailureReason } from './render/text/failure-reason.js';
export { ProgressLine } from './render/progress.js';
export type { ProgressCounts, ProgressLineOptions } from './render/progress.js';
export { formatGathered, gatherOutputs, OutputCollector } from './render/text/gather.js';
export type {
  CollectedOutput,
  GatheredBlock,
  GatheredFormatOptions,
  HostOutput,
} from './render/text/gather.js';
export { expandHostRanges, foldHosts } from './hosts/host-ranges.js';
export { TargetError } from './errors/target-error.js';
// Fleets: a job on every node of a group, matrices of groups and values
export { NodeGroup } from './fleet/node-group.js';
export type { HostsOptions, NodeGroupOptions } from './fleet/node-group.js';
export { GroupJob } from './fleet/group-job.js';
export type { GroupWork } from './fleet/group-job.js';
export type { FleetJobOptions, GroupJobOptions, MemberSshOptions } from './fleet/group-options.js';
export type { GroupSummary } from './fleet/group-summary.js';
export { matrix, maxMatrixInstances } from './fleet/matrix.js';
export type { MatrixAxes, MatrixAxis, MatrixInstance, MatrixOptions, MatrixValue } from './fleet/matrix.js';
export { MatrixJob } from './fleet/matrix-job.js';
export type { MatrixJobOptions, MatrixWork } from './fleet/matrix-job.js';
export { parseWhere } from './fleet/where.js';
export type { ParseWhereOptions, WherePredicate } from './fleet/where.js';
export { isUnreachable } from './fleet/unreachable.js';
export type { TargetErrorDetails } from './errors/target-error.js';
export { writeReport } from './report/write-report.js';
export type { ReportOptions } from './report/write-report.js';
export type { OutputLimits } from './report/outputs.js';
// Scenario files (YAML): from 'rxjobs/scenario', so that this entry point does not load a YAML parser and io-ts.
