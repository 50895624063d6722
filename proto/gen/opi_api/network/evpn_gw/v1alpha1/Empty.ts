// Original file: proto/opi/bridge_port.proto


export interface Empty {
}

export interface Empty__Output {
}
