import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ActivateError as _gnoi_os_ActivateError, ActivateError__Output as _gnoi_os_ActivateError__Output } from './gnoi/os/ActivateError';
import type { ActivateOK as _gnoi_os_ActivateOK, ActivateOK__Output as _gnoi_os_ActivateOK__Output } from './gnoi/os/ActivateOK';
import type { ActivateRequest as _gnoi_os_ActivateRequest, ActivateRequest__Output as _gnoi_os_ActivateRequest__Output } from './gnoi/os/ActivateRequest';
import type { ActivateResponse as _gnoi_os_ActivateResponse, ActivateResponse__Output as _gnoi_os_ActivateResponse__Output } from './gnoi/os/ActivateResponse';
import type { InstallError as _gnoi_os_InstallError, InstallError__Output as _gnoi_os_InstallError__Output } from './gnoi/os/InstallError';
import type { InstallRequest as _gnoi_os_InstallRequest, InstallRequest__Output as _gnoi_os_InstallRequest__Output } from './gnoi/os/InstallRequest';
import type { InstallResponse as _gnoi_os_InstallResponse, InstallResponse__Output as _gnoi_os_InstallResponse__Output } from './gnoi/os/InstallResponse';
import type { OSClient as _gnoi_os_OSClient, OSDefinition as _gnoi_os_OSDefinition } from './gnoi/os/OS';
import type { SyncProgress as _gnoi_os_SyncProgress, SyncProgress__Output as _gnoi_os_SyncProgress__Output } from './gnoi/os/SyncProgress';
import type { TransferEnd as _gnoi_os_TransferEnd, TransferEnd__Output as _gnoi_os_TransferEnd__Output } from './gnoi/os/TransferEnd';
import type { TransferProgress as _gnoi_os_TransferProgress, TransferProgress__Output as _gnoi_os_TransferProgress__Output } from './gnoi/os/TransferProgress';
import type { TransferReady as _gnoi_os_TransferReady, TransferReady__Output as _gnoi_os_TransferReady__Output } from './gnoi/os/TransferReady';
import type { TransferRequest as _gnoi_os_TransferRequest, TransferRequest__Output as _gnoi_os_TransferRequest__Output } from './gnoi/os/TransferRequest';
import type { Validated as _gnoi_os_Validated, Validated__Output as _gnoi_os_Validated__Output } from './gnoi/os/Validated';
import type { VerifyRequest as _gnoi_os_VerifyRequest, VerifyRequest__Output as _gnoi_os_VerifyRequest__Output } from './gnoi/os/VerifyRequest';
import type { VerifyResponse as _gnoi_os_VerifyResponse, VerifyResponse__Output as _gnoi_os_VerifyResponse__Output } from './gnoi/os/VerifyResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gnoi: {
    os: {
      ActivateError: MessageTypeDefinition<_gnoi_os_ActivateError, _gnoi_os_ActivateError__Output>
      ActivateOK: MessageTypeDefinition<_gnoi_os_ActivateOK, _gnoi_os_ActivateOK__Output>
      ActivateRequest: MessageTypeDefinition<_gnoi_os_ActivateRequest, _gnoi_os_ActivateRequest__Output>
      ActivateResponse: MessageTypeDefinition<_gnoi_os_ActivateResponse, _gnoi_os_ActivateResponse__Output>
      InstallError: MessageTypeDefinition<_gnoi_os_InstallError, _gnoi_os_InstallError__Output>
      InstallRequest: MessageTypeDefinition<_gnoi_os_InstallRequest, _gnoi_os_InstallRequest__Output>
      InstallResponse: MessageTypeDefinition<_gnoi_os_InstallResponse, _gnoi_os_InstallResponse__Output>
      OS: SubtypeConstructor<typeof grpc.Client, _gnoi_os_OSClient> & { service: _gnoi_os_OSDefinition }
      SyncProgress: MessageTypeDefinition<_gnoi_os_SyncProgress, _gnoi_os_SyncProgress__Output>
      TransferEnd: MessageTypeDefinition<_gnoi_os_TransferEnd, _gnoi_os_TransferEnd__Output>
      TransferProgress: MessageTypeDefinition<_gnoi_os_TransferProgress, _gnoi_os_TransferProgress__Output>
      TransferReady: MessageTypeDefinition<_gnoi_os_TransferReady, _gnoi_os_TransferReady__Output>
      TransferRequest: MessageTypeDefinition<_gnoi_os_TransferRequest, _gnoi_os_TransferRequest__Output>
      Validated: MessageTypeDefinition<_gnoi_os_Validated, _gnoi_os_Validated__Output>
      VerifyRequest: MessageTypeDefinition<_gnoi_os_VerifyRequest, _gnoi_os_VerifyRequest__Output>
      VerifyResponse: MessageTypeDefinition<_gnoi_os_VerifyResponse, _gnoi_os_VerifyResponse__Output>
    }
  }
}

