/**
 * A certificate for the stand-in's HTTPS mode, made at start-up: self-signed, for 127.0.0.1 and
 * localhost, written to a file whose path is printed for NODE_EXTRA_CA_CERTS. Made with the
 * openssl command (on every Linux and macOS runner; on Debian, package openssl).
 *
 * Erasable TypeScript only: Node 24 runs this file directly (npm run stand-in).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface StandInCertificate {
  key: Buffer
  cert: Buffer
  /** The certificate's PEM file: give it to a client as NODE_EXTRA_CA_CERTS. */
  certFile: string
}

/** `subjectAltName` other than the default makes a certificate for another host (tests of a mismatch). */
export function makeCertificate(subjectAltName = 'IP:127.0.0.1,DNS:localhost'): StandInCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'stand-in-tls-'))
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '7',
        '-subj',
        '/CN=HCP Terraform stand-in',
        '-addext',
        `subjectAltName=${subjectAltName}`
      ],
      { stdio: 'ignore' }
    )
  } catch (err) {
    throw new Error(`Making a certificate for --tls needs the openssl command (${(err as Error).message}).`)
  }
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile }
}
