// Every failure of the CA layer, with a stable code that scripts and docs/errors.md match on.
// Messages name the file and the fix; they never contain key material.

export const CA_ERROR_CODES = [
  'CA_MISSING', // ca.pem or ca.key absent
  'CA_EXISTS', // init/import would overwrite an existing CA without --force
  'CA_INVALID', // a file is not what it should be (not PEM, not a CA certificate, several certificates)
  'CA_KEY_PERMISSIONS', // ca.key is accessible by group or others
  'CA_KEY_UNREADABLE', // ca.key cannot be read or parsed
  'CA_KEY_ENCRYPTED', // ca.key needs a passphrase (not supported)
  'CA_KEY_MISMATCH', // ca.key does not belong to ca.pem
  'CA_UNSUPPORTED_KEY', // key type the CA layer cannot sign with (e.g. Ed25519, RSA-PSS, RSA < 2048)
  'CA_CHAIN_INCOMPLETE', // an intermediate whose chain does not reach a self-signed root
  'CA_CHAIN_INVALID', // a chain certificate does not issue the one below it
  'CA_EXPIRED', // the CA (or a chain certificate) is outside its validity period
  'CA_NO_KEY', // a certificate-only CA object was asked to sign
  'CA_INVALID_NAME_CONSTRAINT', // a host cannot be a dNSName constraint
  'CA_NAME_NOT_PERMITTED', // a leaf was asked for a host outside the CA's name constraints
  'CA_INVALID_HOST', // a leaf was asked for something that is not a host name or IP literal
] as const;

export type CaErrorCode = (typeof CA_ERROR_CODES)[number];

export class CaError extends Error {
  override readonly name = 'CaError';
  constructor(
    readonly code: CaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
