// Original file: proto/gnoi/os.proto


/**
 * The target is ready to receive the package.
 */
export interface TransferReady {
}

/**
 * The target is ready to receive the package.
 */
export interface TransferReady__Output {
}
