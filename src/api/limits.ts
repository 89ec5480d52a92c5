/**
 * Documented Cloud Bigtable limits enforced by the API frontend (DESIGN §3).
 * Each violation answers INVALID_ARGUMENT with a message naming the field.
 */
export const MAX_ROW_KEY_BYTES = 4096;
export const MAX_QUALIFIER_BYTES = 16 * 1024;
export const MAX_FAMILY_NAME_CHARS = 64;
export const FAMILY_NAME_RE = /^[-_.a-zA-Z0-9]+$/;
/** 100 MiB. */
export const MAX_VALUE_BYTES = 104_857_600;
/** Mutations per row (MutateRow, each CheckAndMutateRow branch) and per MutateRows request in total. */
export const MAX_MUTATIONS = 100_000;
export const MAX_TABLE_ID_CHARS = 50;
export const TABLE_ID_RE = /^[_a-zA-Z0-9][-_.a-zA-Z0-9]*$/;
/** Serialized RowFilter size. */
export const MAX_FILTER_BYTES = 20 * 1024;
/** ReadModifyWriteRow rules per request. */
export const MAX_RMW_RULES = 100_000;
/**
 * gRPC receive limit: one maximal value plus headroom for keys, qualifiers
 * and message framing.
 */
export const MAX_RECEIVE_MESSAGE_BYTES = MAX_VALUE_BYTES + 8 * 1024 * 1024;
