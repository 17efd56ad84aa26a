/** The sshd harness (spec/helpers/sshd/), at the path the end-to-end specs import. */
export * from './sshd/index.js';
