/**
 * Ports whose adapters load on first use. A Lambda cold start evaluates every module its
 * entry chunk imports before the first request; the S3 and Lambda SDK clients, jose and
 * the upstream proxy serve only some requests, so the handlers name them with `import()`
 * (esbuild puts them in chunks of their own, lib/bundling.ts) and hand the use cases these
 * stand-ins, which load the real adapter when a request first calls them.
 *
 * Import the adapter module, not the SDK package: a dynamic import keeps all of what it
 * names, and an adapter names only the commands it sends.
 */
import type { DistributionSource } from '../core/distribution.ts';
import type { BlobStore, UploadStaging } from '../app/ports.ts';
import type { TokenVerifierPort } from '../app/trusted-publishing.ts';
import type { BackgroundCopier, UpstreamFetcher, UpstreamStore } from '../app/upstream-ports.ts';

/** Runs `make` once, on first use. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

export function deferredBlobStore(load: () => Promise<BlobStore>): BlobStore {
  return {
    put: async (key, body, options) => (await load()).put(key, body, options),
    delete: async (key) => (await load()).delete(key),
    exists: async (key) => (await load()).exists(key),
  };
}

export function deferredUploadStaging(load: () => Promise<UploadStaging>): UploadStaging {
  return {
    presignPut: async (key, options) => (await load()).presignPut(key, options),
    presignUploadPart: async (key, uploadId, part, options) => (await load()).presignUploadPart(key, uploadId, part, options),
    startMultipart: async (key) => (await load()).startMultipart(key),
    completeMultipart: async (key, uploadId, parts) => (await load()).completeMultipart(key, uploadId, parts),
    abortMultipart: async (key, uploadId) => (await load()).abortMultipart(key, uploadId),
    sizeOf: async (key) => (await load()).sizeOf(key),
    stat: async (key) => (await load()).stat(key),
    put: async (key, bytes) => (await load()).put(key, bytes),
    presignGet: async (key, options) => (await load()).presignGet(key, options),
    // Synchronous in the port: the source itself loads the adapter when first read.
    source: (key, size): DistributionSource => {
      const source = once(async () => (await load()).source(key, size));
      return {
        size,
        read: async (offset, length) => (await source()).read(offset, length),
        stream: () => ({
          async *[Symbol.asyncIterator]() {
            yield* (await source()).stream();
          },
        }),
      };
    },
    sha256: async (key) => (await load()).sha256(key),
    copy: async (from, to, options) => (await load()).copy(from, to, options),
    delete: async (key) => (await load()).delete(key),
  };
}

export function deferredUpstreamStore(load: () => Promise<UpstreamStore>): UpstreamStore {
  return {
    getPage: async (p) => (await load()).getPage(p),
    putPage: async (p, c) => (await load()).putPage(p, c),
    hasFile: async (p, s, f) => (await load()).hasFile(p, s, f),
    listFiles: async (p) => (await load()).listFiles(p),
    putFile: async (p, s, f, b) => (await load()).putFile(p, s, f, b),
    putStreamVerified: async (p, s, f, b) => (await load()).putStreamVerified(p, s, f, b),
  };
}

export function deferredUpstreamFetcher(load: () => Promise<UpstreamFetcher>): UpstreamFetcher {
  return {
    fetchPage: async (url) => (await load()).fetchPage(url),
    fetchFile: async (url, maxBytes, deadline) => (await load()).fetchFile(url, maxBytes, deadline),
    streamFile: async (url) => (await load()).streamFile(url),
  };
}

export function deferredCopier(load: () => Promise<BackgroundCopier>): BackgroundCopier {
  return { start: async (job) => (await load()).start(job) };
}

/** `audience` is configuration, known at once; only `verify` needs jose. */
export function deferredTokenVerifier(audience: string, load: () => Promise<TokenVerifierPort>): TokenVerifierPort {
  return { audience, verify: async (token, provider) => (await load()).verify(token, provider) };
}
