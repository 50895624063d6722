// Original file: proto/gnoi/os.proto


export interface VerifyRequest {
}

export interface VerifyRequest__Output {
}
