import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CniReply as _xpuflow_hostagent_v1_CniReply, CniReply__Output as _xpuflow_hostagent_v1_CniReply__Output } from './xpuflow/hostagent/v1/CniReply';
import type { CniRequest as _xpuflow_hostagent_v1_CniRequest, CniRequest__Output as _xpuflow_hostagent_v1_CniRequest__Output } from './xpuflow/hostagent/v1/CniRequest';
import type { HostAgentClient as _xpuflow_hostagent_v1_HostAgentClient, HostAgentDefinition as _xpuflow_hostagent_v1_HostAgentDefinition } from './xpuflow/hostagent/v1/HostAgent';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  xpuflow: {
    hostagent: {
      v1: {
        CniReply: MessageTypeDefinition<_xpuflow_hostagent_v1_CniReply, _xpuflow_hostagent_v1_CniReply__Output>
        CniRequest: MessageTypeDefinition<_xpuflow_hostagent_v1_CniRequest, _xpuflow_hostagent_v1_CniRequest__Output>
        HostAgent: SubtypeConstructor<typeof grpc.Client, _xpuflow_hostagent_v1_HostAgentClient> & { service: _xpuflow_hostagent_v1_HostAgentDefinition }
      }
    }
  }
}

