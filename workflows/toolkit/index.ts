/**
 * What every flow shares, deterministic and free of I/O: the failure-message
 * helper, the durable poll, the compensation stack, the activity options.
 * Activity proxies live beside each flow as `proxies.ts`.
 */
export { Compensations, type UndoStep } from './compensation';
export { describeFailure, failureMessage, type Described, type WorkerHint } from './describe-failure';
export { pollUntil, type PollOptions } from './poll-until';
export { API_CALL, API_RETRY, heartbeatWait, WAIT_RETRY } from './proxy-options';
