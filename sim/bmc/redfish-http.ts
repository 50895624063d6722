/**
 * The HTTP side of a Redfish service as DMTF's DSP0266 asks it, for the BMC
 * simulator: response headers (OData-Version, Cache-Control, Link rel=describedby,
 * Allow, ETag), ETags computed from the body, and Redfish extended errors
 * (`{"error": {"code", "message", "@Message.ExtendedInfo"}}`).
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export type Json = Record<string, unknown>;

/** A weak ETag over the resource body (without its own @odata.etag). */
export function etagOf(body: Json): string {
  const { ['@odata.etag']: _ignored, ...rest } = body;
  return `W/"${createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16)}"`;
}

/** Whether an If-Match / If-None-Match header value names `etag` ("*" names any). */
export function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag || t.replace(/^W\//, '') === etag.replace(/^W\//, ''));
}

/** `</redfish/v1/JsonSchemas/ServiceRoot.v1_15_0.json>; rel=describedby` from `#ServiceRoot.v1_15_0.ServiceRoot`. */
export function describedByLink(odataType: unknown): string | undefined {
  if (typeof odataType !== 'string') return undefined;
  const parts = odataType.replace(/^#/, '').split('.');
  const schema = parts.length === 3 ? `${parts[0]}.${parts[1]}` : parts[0];
  return `</redfish/v1/JsonSchemas/${schema}.json>; rel=describedby`;
}

/** The headers every Redfish response carries (DSP0266 "Response headers"). */
export function baseHeaders(res: ServerResponse): void {
  res.setHeader('OData-Version', '4.0');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Strict-Transport-Security', 'max-age=31536000');
}

export interface RedfishMessage {
  '@odata.type': string;
  MessageId: string;
  Message: string;
  MessageArgs: string[];
  MessageSeverity: 'OK' | 'Warning' | 'Critical';
  Resolution: string;
}

/** A message from DMTF's Base (1.16), Task (1.0) or Update (1.0) registry. */
export function message(
  id: string,
  text: string,
  args: string[],
  severity: RedfishMessage['MessageSeverity'],
  resolution: string,
): RedfishMessage {
  return {
    '@odata.type': '#Message.v1_1_1.Message',
    MessageId: id,
    Message: text,
    MessageArgs: args,
    MessageSeverity: severity,
    Resolution: resolution,
  };
}

/** A Redfish error body with one extended message. */
export function errorBody(msg: RedfishMessage): Json {
  return {
    error: {
      code: msg.MessageId,
      message: msg.Message,
      '@Message.ExtendedInfo': [msg],
    },
  };
}

/** Base registry messages the simulator answers with. */
export const base = {
  general: (text: string) => message('Base.1.16.0.GeneralError', text, [], 'Critical', 'None.'),
  notFound: (type: string, id: string) =>
    message(
      'Base.1.16.0.ResourceNotFound',
      `The requested resource of type ${type} named '${id}' was not found.`,
      [type, id],
      'Critical',
      'Provide a valid resource identifier and resubmit the request.',
    ),
  noValidSession: () =>
    message(
      'Base.1.16.0.NoValidSession',
      'There is no valid session established with the implementation.',
      [],
      'Critical',
      'Establish a session before attempting any operations.',
    ),
  insufficientPrivilege: () =>
    message(
      'Base.1.16.0.InsufficientPrivilege',
      'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.',
      [],
      'Critical',
      'Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.',
    ),
  methodNotAllowed: () =>
    message(
      'Base.1.16.0.OperationNotAllowed',
      'The HTTP method is not allowed on this resource.',
      [],
      'Critical',
      'None.',
    ),
  malformedJson: () =>
    message(
      'Base.1.16.0.MalformedJSON',
      'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
      [],
      'Critical',
      'Ensure that the request body is valid JSON and resubmit the request.',
    ),
  unsupportedMediaType: () =>
    message(
      'Base.1.16.0.UnsupportedMediaType',
      'The request specifies a Content-Type for the body that is not supported.',
      [],
      'Critical',
      'Resubmit the request with application/json as its Content-Type.',
    ),
  propertyUnknown: (prop: string) =>
    message(
      'Base.1.16.0.PropertyUnknown',
      `The property ${prop} is not in the list of valid properties for the resource.`,
      [prop],
      'Warning',
      'Remove the unknown property from the request body and resubmit the request if the operation failed.',
    ),
  propertyNotWritable: (prop: string) =>
    message(
      'Base.1.16.0.PropertyNotWritable',
      `The property ${prop} is a read-only property and cannot be assigned a value.`,
      [prop],
      'Warning',
      'Remove the property from the request body and resubmit the request if the operation failed.',
    ),
  propertyValueNotInList: (value: string, prop: string) =>
    message(
      'Base.1.16.0.PropertyValueNotInList',
      `The value '${value}' for the property ${prop} is not in the list of acceptable values.`,
      [value, prop],
      'Warning',
      'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
    ),
  propertyMissing: (prop: string) =>
    message(
      'Base.1.16.0.PropertyMissing',
      `The property ${prop} is a required property and must be included in the request.`,
      [prop],
      'Warning',
      'Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.',
    ),
  actionParameterNotSupported: (value: string, param: string) =>
    message(
      'Base.1.16.0.ActionParameterValueNotInList',
      `The value '${value}' for the parameter ${param} is not in the list of acceptable values.`,
      [value, param],
      'Warning',
      'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
    ),
  preconditionFailed: () =>
    message(
      'Base.1.16.0.PreconditionFailed',
      'The ETag supplied did not match the ETag required to change this resource.',
      [],
      'Critical',
      'Try the operation again using the appropriate ETag.',
    ),
  queryNotSupported: (param: string) =>
    message(
      'Base.1.16.0.QueryNotSupported',
      `Querying is not supported by the implementation (${param}).`,
      [],
      'Warning',
      'Remove the query parameters and resubmit the request if the operation failed.',
    ),
  serviceTemporarilyUnavailable: (seconds: number) =>
    message(
      'Base.1.16.0.ServiceTemporarilyUnavailable',
      `The service is temporarily unavailable.  Retry in ${seconds} seconds.`,
      [String(seconds)],
      'Critical',
      'Wait for the indicated retry duration and retry the operation.',
    ),
  resourceAlreadyExists: (prop: string, value: string) =>
    message(
      'Base.1.16.0.ResourceAlreadyExists',
      `The requested resource of type ManagerAccount with the property ${prop} with the value '${value}' already exists.`,
      ['ManagerAccount', prop, value],
      'Critical',
      'Do not repeat the create operation as the resource has already been created.',
    ),
  updateInProgress: () =>
    message(
      'Base.1.16.0.UpdateInProgress',
      'Another update is in progress.',
      [],
      'Critical',
      'Wait for the update in progress to complete and resubmit the request.',
    ),
  passwordChangeRequired: (uri: string) =>
    message(
      'Base.1.16.0.PasswordChangeRequired',
      `The password provided for this account must be changed before access is granted.  PATCH the Password property for this account located at the target URI '${uri}' to complete this process.`,
      [uri],
      'Critical',
      'Change the password for this account using a PATCH to the Password property at the URI provided.',
    ),
  noOperation: () =>
    message(
      'Base.1.16.0.NoOperation',
      'The request body submitted contain no data to act upon and no changes to the resource took place.',
      [],
      'Warning',
      'Add properties in the JSON object and resubmit the request.',
    ),
  success: () => message('Base.1.16.0.Success', 'The request completed successfully.', [], 'OK', 'None.'),
};
