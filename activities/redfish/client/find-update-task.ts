/**
 * An update of `imageUri` the BMC already runs or ran, so a retried step follows it instead of starting
 * a second one. First the TaskService's Tasks: a Task's Payload records the request that started it
 * (TargetUri, JsonBody with the ImageURI; Task.v1_3+, filled by bmcweb from the request:
 * openbmc/bmcweb redfish-core/lib/task.hpp @a1fa837df1e719ec053824d946a25fb86b3d5907, struct Payload and
 * Task::doGet). bmcweb keeps tasks in memory (at most 100, the oldest dropped, none after a BMC reboot),
 * so when no task is left the firmware inventory decides: the target's Version already being the
 * expected one means the update is done (DPF reads the BFB's version the same way, from
 * UpdateService/FirmwareInventory/DPU_OS: NVIDIA/doca-platform
 * internal/provisioning/controllers/dpu/state/redfish/client/client.go
 * @49194c120b311de2a60dc05961b8bc1390df4a04, CheckDPUOS).
 */
import type { BmcConnection } from './bmc-connection';
import { isRedfishError } from './errors';
import { linkOf } from './navigation';
import { firmwareInventoryOf } from './resources';
import type { Collection, Resource, ServiceRoot, Task, TaskRef } from './types';

export interface FindUpdateOptions {
  /** Ignore tasks started before this (ISO 8601), e.g. those of an earlier, failed attempt. */
  startedAfter?: string;
  /** The version the target reports once the image is installed (after the DPU boots). */
  expectVersion?: string;
  /** The firmware inventory item's Id or @odata.id that carries that version; default `DPU_OS` (BlueField). */
  inventoryItem?: string;
}

/** NVIDIA's BlueField BMC reports the BFB (DPU OS) version as FirmwareInventory member `DPU_OS`. */
export const BLUEFIELD_OS_INVENTORY_ID = 'DPU_OS';

export async function findUpdateTask(
  conn: BmcConnection,
  root: ServiceRoot,
  imageUri: string,
  opts: FindUpdateOptions = {},
): Promise<TaskRef | undefined> {
  const task = await newestTaskFor(conn, root, imageUri, opts.startedAfter);
  if (task) return { task: task['@odata.id'], monitor: task.TaskMonitor, imageUri };
  if (opts.expectVersion === undefined) return undefined;
  const wanted = opts.inventoryItem ?? BLUEFIELD_OS_INVENTORY_ID;
  const item = (await firmwareInventoryOf(conn, root)).find(
    (i) => i.Id === wanted || i['@odata.id'] === wanted,
  );
  if (item?.Version !== opts.expectVersion) return undefined;
  return { task: item['@odata.id'], imageUri, installed: { version: item.Version } };
}

async function newestTaskFor(
  conn: BmcConnection,
  root: ServiceRoot,
  imageUri: string,
  startedAfter: string | undefined,
): Promise<Task | undefined> {
  if (!root.TaskService) return undefined; // no TaskService: nothing can be in flight as a task
  let members: Array<{ '@odata.id': string }>;
  try {
    const taskService = await conn.getJson<Resource>(
      root.TaskService['@odata.id'],
      'reading the TaskService',
    );
    const tasksUri = linkOf(conn, taskService, 'Tasks', 'to find an update in flight');
    members = (await conn.getJson<Collection>(tasksUri, 'listing Tasks')).Members ?? [];
  } catch (err) {
    // A TaskService without a Tasks collection (sushy-tools serves only Tasks/42) holds no task of ours.
    if (isRedfishError(err, 'NotFound')) return undefined;
    throw err;
  }
  const after = startedAfter ? Date.parse(startedAfter) : undefined;
  // Newest first, one GET each, stopping at the first match: bmcweb lists its tasks in the order it
  // made them (the deque of task.hpp above), so the last member that carries this ImageURI is the newest.
  for (const member of [...members].reverse()) {
    const task = await conn.getJson<Task>(member['@odata.id'], `reading task ${member['@odata.id']}`);
    if (payloadImageUri(task) !== imageUri) continue;
    const start = task.StartTime ? Date.parse(task.StartTime) : NaN;
    if (after !== undefined && !(start >= after)) continue;
    return task;
  }
  return undefined;
}

/** The ImageURI of the SimpleUpdate that started `task`, from its Payload (JsonBody is a JSON string in bmcweb). */
export function payloadImageUri(task: Task): string | undefined {
  const body = task.Payload?.JsonBody;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined; // a payload that is not JSON was not a SimpleUpdate
    }
  }
  const uri = (parsed as { ImageURI?: unknown } | undefined)?.ImageURI;
  return typeof uri === 'string' ? uri : undefined;
}
