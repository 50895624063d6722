// Original file: proto/gnoi/system.proto


export interface RebootResponse {
}

export interface RebootResponse__Output {
}
