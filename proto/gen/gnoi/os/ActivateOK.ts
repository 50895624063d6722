// Original file: proto/gnoi/os.proto


/**
 * The version is running, being flashed, or the flash has started.
 */
export interface ActivateOK {
}

/**
 * The version is running, being flashed, or the flash has started.
 */
export interface ActivateOK__Output {
}
