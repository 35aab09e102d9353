// How every page writes numbers, money and times: one definition, so a figure reads the
// same on each page. "–" stands for a figure that is not known.
const unknown = (value) => value === null || value === undefined;

export const pct = (share, digits = 0) => (unknown(share) ? "–" : `${(share * 100).toFixed(digits)}%`);

export const num = (value, digits = 0) =>
  unknown(value) ? "–" : Number(value).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const money = (value) => (unknown(value) ? "–" : `$${Number(value).toFixed(2)}`);

// An ISO time as "YYYY-MM-DD HH:MM", as the server wrote it (event time, UTC).
export const when = (iso) => (iso ? iso.replace("T", " ").slice(0, 16) : "–");
