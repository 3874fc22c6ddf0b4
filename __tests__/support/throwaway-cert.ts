import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A self-signed certificate for 127.0.0.1, made with openssl for one test run, for loopback
 * HTTPS servers standing in for services that insist on https (Azure Monitor's ingestion,
 * Entra ID's token endpoint). A child process trusts it through NODE_EXTRA_CA_CERTS=certFile,
 * which Node reads only at startup.
 */
export interface ThrowawayCert {
  cert: string;
  key: string;
  certFile: string;
  remove(): void;
}

export function makeThrowawayCert(): ThrowawayCert {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'throwaway-cert-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
