/**
 * How to read one newest-first offset page once the total is known. A page in the older half is read
 * from the other end of the index (ascending, smaller offset) so deep pages cost no more than shallow
 * ones; the caller reverses such rows. Null when the page is past the end.
 */
export function offsetPage(total: number, offset: number, limit: number) {
  if (offset >= total) return null;
  const fromEnd = offset > total / 2;
  const take = Math.min(limit, total - offset);
  return { fromEnd, take, skip: fromEnd ? total - offset - take : offset };
}
