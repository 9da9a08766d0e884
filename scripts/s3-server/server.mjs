#!/usr/bin/env node
// Local S3 server for the end-to-end tests: s3rver 3.7.1 bound to 127.0.0.1.
//
// Usage:
//   node server.mjs --directory DIR [--port N] [--seed DIR]
//                   [--credentials KEY:SECRET]... [--log-requests] [BUCKET]...
//
//   --directory DIR   where s3rver stores buckets and objects (created if missing)
//   --port N          TCP port on 127.0.0.1; 0 (the default) picks a free port
//   --seed DIR        contains one subdirectory per bucket. Every regular file
//                     below a subdirectory becomes an object whose key is the
//                     file's relative path, with `/` separators. Each
//                     subdirectory's bucket is created even when no BUCKET
//                     argument names it.
//   --credentials KEY:SECRET
//                     registers one more access key pair next to S3RVER:S3RVER
//   --log-requests    logs one line per request to stderr
//   BUCKET            buckets to create before the server reports ready
//
// Once the server accepts requests and every bucket and seed object exists,
// it prints exactly one line, `ready <port>`, on stdout. Nothing else is
// written to stdout. SIGTERM and SIGINT close the server and exit with 0.
// Any startup failure prints `error: ...` on stderr and exits with 1.
//
// What s3rver 3.7.1 checks on a request (lib/middleware/authentication.js):
// - A request without an Authorization header or a signature query
//   parameter is accepted as anonymous. There are no ACL or policy checks,
//   so anonymous requests can read and write every bucket.
// - A signed request must name a registered access key id, or s3rver
//   returns 403 InvalidAccessKeyId. The built-in pair is S3RVER / S3RVER.
// - Signature V4 (what s3fs, rclone and the AWS SDKs send): s3rver does NOT
//   verify the signature, so any secret key is accepted for a registered
//   access key id. It requires the x-amz-content-sha256 header and a request
//   time within 15 minutes of the server's clock.
// - Signature V2: the signature is verified against the secret key.
// So a test can prove that a mounter got the right access key id, but not
// that it got the right secret key.

import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

import S3rver from 's3rver';
// s3rver has no public API for extra credentials, so this imports the account
// registry module that contains the built-in S3RVER key pair.
import AWSAccount from 's3rver/lib/models/account.js';

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        directory: { type: 'string' },
        port: { type: 'string', default: '0' },
        seed: { type: 'string' },
        credentials: { type: 'string', multiple: true, default: [] },
        'log-requests': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    fail(`${error.message}\nusage: node server.mjs --directory DIR [--port N] [--seed DIR] [--credentials KEY:SECRET]... [--log-requests] [BUCKET]...`);
  }

  const { values, positionals } = parsed;
  if (!values.directory) {
    fail('missing --directory DIR: the directory where s3rver stores buckets');
  }

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`invalid --port "${values.port}": expected an integer from 0 to 65535`);
  }

  const credentials = values.credentials.map(pair => {
    const separator = pair.indexOf(':');
    if (separator <= 0 || separator === pair.length - 1) {
      fail(`invalid --credentials "${pair}": expected ACCESS_KEY_ID:SECRET_ACCESS_KEY`);
    }
    return { accessKeyId: pair.slice(0, separator), secretAccessKey: pair.slice(separator + 1) };
  });

  return {
    directory: path.resolve(values.directory),
    port,
    seedDirectory: values.seed ? path.resolve(values.seed) : undefined,
    credentials,
    logRequests: values['log-requests'],
    buckets: positionals,
  };
}

// Lists the regular files below `root` as paths relative to it, with `/` separators.
async function listFiles(root, relative = '') {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const files = [];
  for (const entry of entries) {
    const entryPath = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      files.push(...(await listFiles(root, entryPath)));
    } else if (entry.isFile()) {
      files.push(entryPath);
    }
  }
  return files;
}

// Reads the seed directory into a list of { bucket, key, file } entries.
async function readSeed(seedDirectory) {
  const entries = await readdir(seedDirectory, { withFileTypes: true });
  const objects = [];
  const buckets = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) {
      continue;
    }
    const bucketDirectory = path.join(seedDirectory, entry.name);
    buckets.push(entry.name);
    for (const key of await listFiles(bucketDirectory)) {
      objects.push({ bucket: entry.name, key, file: path.join(bucketDirectory, key) });
    }
  }
  return { buckets, objects };
}

// Stores one object with an anonymous PUT, which s3rver accepts (see above).
function putObject(port, bucket, key, body) {
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/${encodeURIComponent(bucket)}/${encodedKey}`,
        headers: { 'Content-Length': body.length },
      },
      response => {
        const chunks = [];
        response.on('data', chunk => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode === 200) {
            resolve();
          } else {
            const text = Buffer.concat(chunks).toString();
            reject(new Error(`PUT ${bucket}/${key} failed with HTTP ${response.statusCode}: ${text}`));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function main() {
  const options = parseCommandLine();

  await mkdir(options.directory, { recursive: true });

  let seed = { buckets: [], objects: [] };
  if (options.seedDirectory) {
    const seedStat = await stat(options.seedDirectory).catch(() => undefined);
    if (!seedStat?.isDirectory()) {
      fail(`seed directory "${options.seedDirectory}" does not exist or is not a directory`);
    }
    seed = await readSeed(options.seedDirectory);
  }

  for (const { accessKeyId, secretAccessKey } of options.credentials) {
    AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  }

  const bucketNames = [...new Set([...options.buckets, ...seed.buckets])];
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    // s3rver's logger writes to stdout, which must carry only the ready line.
    silent: !options.logRequests,
    // Path-style only: every request names the bucket in the path.
    vhostBuckets: false,
    configureBuckets: bucketNames.map(name => ({ name })),
  });
  if (options.logRequests) {
    for (const transport of server.logger.transports) {
      transport.stderrLevels = { error: true, warn: true, info: true, debug: true };
    }
  }

  const address = await server.run();

  for (const object of seed.objects) {
    await putObject(address.port, object.bucket, object.key, await readFile(object.file));
  }

  let closing = false;
  const close = () => {
    if (closing) {
      return;
    }
    closing = true;
    // Keep-alive connections from mounters would otherwise hold close() open.
    server.httpServer.closeAllConnections();
    server.close().then(
      () => process.exit(0),
      error => {
        process.stderr.write(`error: closing the server failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);

  process.stdout.write(`ready ${address.port}\n`);
}

main().catch(error => fail(error.message));
