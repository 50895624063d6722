/** A BMC's non-success answer as a RedfishError, by status (DSP0266 §"Status codes") and its @Message.ExtendedInfo. */
import { describeMessages, RedfishError } from './errors';
import type { ExchangeResponse } from './exchange';
import { retryAfterMs } from './retry-after';
import type { RedfishMessage } from './types';

/** The messages of a DSP0266 error answer: `error.@Message.ExtendedInfo`, else `error.message`. */
export function errorMessages(res: ExchangeResponse): RedfishMessage[] {
  const error = (res.json as { error?: { message?: string; '@Message.ExtendedInfo'?: RedfishMessage[] } })
    ?.error;
  if (!error) return res.text.trim() ? [{ Message: res.text.trim().slice(0, 300) }] : [];
  const extended = (error['@Message.ExtendedInfo'] ?? []).filter((m) => m.Message);
  if (extended.length > 0) return extended;
  return error.message
    ? [{ Message: error.message, MessageId: error['@Message.ExtendedInfo']?.[0]?.MessageId }]
    : [];
}

/** The error for a non-2xx answer to `method path`; `what` says what the request was for. */
export function answerError(
  bmc: string,
  method: string,
  path: string,
  res: ExchangeResponse,
  what?: string,
): RedfishError {
  const messages = errorMessages(res);
  const said = messages.length ? `: ${describeMessages(messages)}` : '';
  const doing = what ?? `${method} ${path}`;
  const details = { bmc, resource: path, status: res.status, messages };
  switch (res.status) {
    case 401:
      return new RedfishError(
        'Unauthorized',
        `BMC ${bmc} refused the credentials (401) for ${doing}${said}: check the username and password in the BMC credentials Secret`,
        details,
      );
    case 403:
      return new RedfishError(
        'Unauthorized',
        `BMC ${bmc} forbids ${doing} for this account (403)${said}: give the BMC account the role it needs (ConfigureComponents / Administrator)`,
        details,
      );
    case 404:
      return new RedfishError(
        'NotFound',
        `BMC ${bmc} has no ${path} (404) for ${doing}${said}: the BMC does not offer this resource; check its firmware version`,
        details,
      );
    case 429:
    case 503: {
      const after = retryAfterMs(res.headers['retry-after']);
      return new RedfishError(
        'Unavailable',
        `BMC ${bmc} is busy (${res.status}) for ${doing}${said}: retry${after === undefined ? '' : ` after ${after} ms (Retry-After)`}`,
        { ...details, retryAfterMs: after },
      );
    }
    default:
      return new RedfishError(
        'Protocol',
        `BMC ${bmc} answered ${res.status} to ${doing}${said}: check the BMC's logs (Managers → LogServices) and firmware`,
        details,
      );
  }
}
