/**
 * The BlueField BMC's BFB install through UpdateService.SimpleUpdate with the
 * DPU_OS (rshim) target, as a Redfish Task the simulator advances on timers:
 * fetch ImageURI, push it to the DPU over rshim for `flashSeconds`
 * (PercentComplete rising), then the DPU installs and boots for `bootSeconds`
 * and only then reports the new version.
 *
 * - The request body (TransferProtocol HTTP, ImageURI, Targets
 *   ["redfish/v1/UpdateService/FirmwareInventory/DPU_OS"]) is DPF's:
 *   NVIDIA/doca-platform internal/provisioning/controllers/dpu/state/redfish/client/client.go
 *   (InstallBFB) @ 49194c120b311de2a60dc05961b8bc1390df4a04, after NVIDIA's
 *   "Deploying BlueField Software Using BFB from BMC" (BlueField BMC 24.10).
 * - DPF waits for TaskState/PercentComplete, treats TaskState "Exception" as a
 *   failed install with the task's Messages, then waits for the ComputerSystem's
 *   BootProgress.OemLastState "OsIsRunning": same repository,
 *   internal/provisioning/controllers/dpu/state/redfish/installing.go
 *   @ f19b764ebe1f9792d4b2eb0d4cec3356ca421d2e.
 * - Task ids count from 0, the task monitor lives at
 *   /redfish/v1/TaskService/TaskMonitors/<id> (202 with Location and Retry-After
 *   while running, 204 once when done, then 404), and tasks are held in memory
 *   (a BMC reboot loses them): NVIDIA/bmcweb redfish-core/lib/task.hpp
 *   @ 8edd5c3e3ebc81a6e5378311d9494045a1ccb133.
 */
import { message, type RedfishMessage } from './redfish-http';

export type TaskState = 'New' | 'Running' | 'Completed' | 'Exception';

export interface UpdateTask {
  id: string;
  imageUri: string;
  transferProtocol: string;
  targets: string[];
  state: TaskState;
  status: 'OK' | 'Warning' | 'Critical';
  percent: number;
  messages: RedfishMessage[];
  start: string;
  end?: string;
  /** The bf.cfg found after the BFB's bytes in the fetched stream (BmcSimOptions.bfbBytes). */
  bfCfg?: string;
  /** The task monitor answered 204 (done); it answers 404 from then on. */
  gave204: boolean;
  /** The request as bmcweb keeps it in Task.Payload (so a client can find an update already started). */
  payload: { TargetUri: string; HttpOperation: string; JsonBody: string };
}

const taskId = (t: UpdateTask) => t.id;

export const taskMessages = {
  started: (t: UpdateTask) =>
    message(
      'TaskEvent.1.0.TaskStarted',
      `The task with Id '${taskId(t)}' has started.`,
      [taskId(t)],
      'OK',
      'None.',
    ),
  progress: (t: UpdateTask, pct: number) =>
    message(
      'TaskEvent.1.0.TaskProgressChanged',
      `The task with Id '${taskId(t)}' has changed to progress ${pct} percent complete.`,
      [taskId(t), String(pct)],
      'OK',
      'None.',
    ),
  completedOk: (t: UpdateTask) =>
    message(
      'TaskEvent.1.0.TaskCompletedOK',
      `The task with Id '${taskId(t)}' has completed.`,
      [taskId(t)],
      'OK',
      'None.',
    ),
  completedWarning: (t: UpdateTask) =>
    message(
      'TaskEvent.1.0.TaskCompletedWarning',
      `The task with Id '${taskId(t)}' has completed with warnings.`,
      [taskId(t)],
      'Warning',
      'None.',
    ),
  aborted: (t: UpdateTask) =>
    message(
      'TaskEvent.1.0.TaskAborted',
      `The task with Id '${taskId(t)}' has been aborted.`,
      [taskId(t)],
      'Critical',
      'None.',
    ),
  // DMTF Update message registry 1.0 (Update.1.0.json).
  transferFailed: (uri: string, target: string, why: string) =>
    message(
      'Update.1.0.TransferFailed',
      `Transfer of image '${uri}' to '${target}' failed: ${why}`,
      [uri, target],
      'Critical',
      'Check that the BMC can reach ImageURI over TransferProtocol and that the file exists, then start the update again.',
    ),
  verificationFailed: (target: string, uri: string) =>
    message(
      'Update.1.0.VerificationFailed',
      `Verification of image '${uri}' at '${target}' failed: the DPU refused the boot stream (not a BFB for this DPU).`,
      [target, uri],
      'Critical',
      'Provide a valid BFB for this BlueField and start the update again.',
    ),
  transferringToComponent: (uri: string, target: string) =>
    message(
      'Update.1.0.TransferringToComponent',
      `Image '${uri}' is being transferred to '${target}'.`,
      [uri, target],
      'OK',
      'None.',
    ),
  rshimFailed: (target: string) =>
    message(
      'Base.1.16.0.InternalError',
      `The rshim transfer of the BFB to '${target}' failed midway; the DPU keeps the software it had.`,
      [],
      'Critical',
      'Check the DPU and its rshim (BMC journal), then start the update again.',
    ),
  updateSuccessful: (target: string, uri: string) =>
    message(
      'Update.1.0.UpdateSuccessful',
      `Device '${target}' successfully updated with image '${uri}'.`,
      [target, uri],
      'OK',
      'None.',
    ),
};

/** The body of TaskService/Tasks/<id> (bmcweb's shape, see the header). */
export function taskBody(t: UpdateTask): Record<string, unknown> {
  return {
    '@odata.type': '#Task.v1_4_3.Task',
    '@odata.id': `/redfish/v1/TaskService/Tasks/${t.id}`,
    Id: t.id,
    Name: `Task ${t.id}`,
    TaskState: t.state,
    TaskStatus: t.status,
    StartTime: t.start,
    ...(t.end ? { EndTime: t.end } : {}),
    PercentComplete: t.percent,
    Messages: t.messages,
    ...(t.gave204 ? {} : { TaskMonitor: `/redfish/v1/TaskService/TaskMonitors/${t.id}` }),
    HidePayload: false,
    Payload: t.payload,
  };
}
