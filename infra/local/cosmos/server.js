#!/usr/bin/env node
// Starts @vercel/cosmosdb-server with the fixes Postino relies on locally:
//   1. a point read of a missing document answers 404 (the package answers 500);
//   2. transactional batch honours the partition key header (the Python SDK sends
//      the partition key only there, never per operation);
//   3. connections are kept alive (the package closes every connection by default,
//      which makes each SDK call pay a new TCP + TLS handshake);
//   4. the database account advertises the address the client used (its Host header)
//      as the read and write location, so a client that reaches the emulator through
//      a proxy (infra/local/faults) keeps going through it: the package advertises its
//      own listening address, which the SDK then calls directly.
// The handler modules are patched before the package builds its routing table, so
// its router picks up the patched handlers.
//
// Usage: node infra/local/cosmos/server.js [--port 8081] [--host 127.0.0.1] [--no-ssl]
"use strict";

const PARTITION_HEADER = "x-ms-documentdb-partitionkey";
const LIB = "@vercel/cosmosdb-server/lib";

const readDocument = require(`${LIB}/handler/read-document`);
const readMeta = require(`${LIB}/handler/read-meta`);
const batchDocuments = require(`${LIB}/handler/batch-documents`);
const { parsePartitionKey } = require(`${LIB}/utils/get-partition-from-header`);

const NOT_FOUND = {
  code: "NotFound",
  message: "Entity with the specified id does not exist in the system.",
};

function headerPartitionKey(req) {
  const raw = req.headers[PARTITION_HEADER];
  if (!raw || raw === "[{}]" || raw === "[]") return undefined;
  return Array.isArray(raw) ? raw[0] : raw;
}

function documentExists(account, dbId, collId, docId, req) {
  const collection = account.database(dbId).collection(collId);
  if (!collection.read()) return false;
  const raw = headerPartitionKey(req);
  let partition;
  try {
    partition = raw === undefined ? undefined : parsePartitionKey(raw, docId);
  } catch (err) {
    return true; // let the original handler report the malformed header
  }
  return Boolean(collection.document(docId, partition).read());
}

const originalRead = readDocument.default;
readDocument.default = (account, req, res, params) => {
  if (!documentExists(account, params.dbId, params.collId, params.docId, req)) {
    res.statusCode = 404;
    return { ...NOT_FOUND };
  }
  return originalRead(account, req, res, params);
};

// The original batch handler reads the body itself, so the body is re-served to
// it from a stream after the header's partition key is copied onto each operation.
const { Readable } = require("stream");
const rawBody = require("raw-body");

const originalBatch = batchDocuments.default;
batchDocuments.default = async (account, req, res, params) => {
  const buffer = await rawBody(req);
  let operations;
  try {
    operations = JSON.parse(buffer.toString());
  } catch (err) {
    res.statusCode = 400;
    return { message: "Invalid request body" };
  }
  const partitionKey = headerPartitionKey(req);
  if (Array.isArray(operations) && partitionKey !== undefined) {
    for (const operation of operations) {
      if (operation && operation.partitionKey === undefined) {
        operation.partitionKey = partitionKey;
      }
    }
  }
  const replay = Readable.from([Buffer.from(JSON.stringify(operations))]);
  replay.headers = req.headers;
  replay.method = req.method;
  replay.url = req.url;
  return originalBatch(account, replay, res, params);
};

// The account document is shared by every request: each answer gets its own copy.
// A Host header that is not a plain host[:port] keeps the package's own address.
const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const originalReadMeta = readMeta.default;
readMeta.default = (account, req, res, params) => {
  const meta = originalReadMeta(account, req, res, params);
  const host = req.headers.host;
  if (typeof host !== "string" || !HOST_HEADER.test(host)) return meta;
  const scheme = req.socket.encrypted ? "https" : "http";
  const endpoint = `${scheme}://${host}/`;
  const advertise = (locations) =>
    locations.map((location) => ({ ...location, databaseAccountEndpoint: endpoint }));
  return {
    ...meta,
    writableLocations: advertise(meta.writableLocations),
    readableLocations: advertise(meta.readableLocations),
  };
};

const { createHttpServer, createHttpsServer } = require(LIB);

function parseArgs(argv) {
  const args = { port: 8081, host: "127.0.0.1", ssl: true };
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    if (key === "--port" || key === "-p") args.port = parseInt(argv[++i], 10);
    else if (key === "--host") args.host = argv[++i];
    else if (key === "--no-ssl") args.ssl = false;
    else {
      console.error(`unknown option: ${key}`);
      process.exit(2);
    }
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const create = args.ssl ? createHttpsServer : createHttpServer;
const server = create({ keepAlive: true });
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;
server.listen(args.port, args.host, () => {
  const { port } = server.address();
  const scheme = args.ssl ? "https" : "http";
  console.log(`cosmos emulator ready at ${scheme}://${args.host}:${port}/`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
