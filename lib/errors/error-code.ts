/** The `code` of a Node.js system error (`'ENOENT'`...), or undefined for anything else. @internal */
export const codeOf = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;
