/** Inodes and devices read through the stat stubs (lib/sys/file-identity.ts) are Node's. */
import { describe, it } from 'vitest';
import * as fileIdentity from '../../lib/sys/file-identity.js';
import { expectNodeStatResults } from '../helpers/file-identity-checks.js';

describe('file identities', () => {
  it("are Node's stat results, and a failure Node's error", () => {
    expectNodeStatResults(fileIdentity);
  });
});
