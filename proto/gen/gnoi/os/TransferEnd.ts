// Original file: proto/gnoi/os.proto


/**
 * Sent once the whole package has been streamed.
 */
export interface TransferEnd {
}

/**
 * Sent once the whole package has been streamed.
 */
export interface TransferEnd__Output {
}
