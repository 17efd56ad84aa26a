// Type tests of SshNode's options: checked by `tsc -p .` (npm run typecheck), never run.
import { SshNode } from '../../lib/index.js';
import type { SshAlgorithms, SshNodeOptions } from '../../lib/index.js';

// algorithms: our own declaration of ssh2's form (the package's types do not need @types/ssh2)
const algorithms: SshAlgorithms = {
  cipher: ['aes128-gcm@openssh.com', 'aes256-ctr'],
  serverHostKey: { prepend: 'ssh-ed25519', remove: ['ssh-dss'] },
};
new SshNode({ hostname: 'fit01', algorithms }).options satisfies SshNodeOptions;
// @ts-expect-error ssh2 has no such kind of algorithm
new SshNode({ hostname: 'fit01', algorithms: { mac: ['hmac-sha2-256'] } });
// @ts-expect-error a list of names, not one name
new SshNode({ hostname: 'fit01', algorithms: { kex: 'curve25519-sha256' } });
