/**
 * The additive causal mask (0 where a query may attend, −1e9 where it may not). Owned by `@darl/tensor-backend`,
 * whose attention op uses it on its composite path; re-exported here, where it has always been part of the API.
 *
 * @module
 */
export { causalMask, MASKED_SCORE } from '@darl/tensor-backend';
