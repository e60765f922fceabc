// Package output renders query results (table, csv, json, ndjson, markdown, line)
// and draws terminal charts and sparklines; it knows no flow logs, only rows.
//
// # Numbers by meaning
//
// Table mode writes a numeric column by what its name says it holds (and keeps that text when
// it falls back to line mode for lack of width); every other format writes the exact value. A name is read as lower-case words split at anything that is not a
// letter or digit ("sum(bytes)" is sum, bytes).
//
//   - Codes are written as plain digits, never 8,080: names containing port, protocol, proto,
//     version, flags, traffic_path, year, _id or account, and the name id (IsCodeColumn).
//   - Unix times likewise: a word start, end, time, ts, timestamp, epoch or seen, or a word
//     ending in "time" (start, "end", min(start), first_seen, starttime, event_ts).
//   - Port aliases: a column named p, sp or dp (dstport AS p) is written as plain digits when
//     every value shown is a whole number 0–65535, else grouped like any quantity. The name
//     alone is too weak a hint and the values alone cannot tell a port from a count.
//   - Byte counts: a word bytes (bytes, sum(bytes), rx_bytes, bytes_out), unless a word per,
//     rate, ratio, pct, percent, share, fraction or frac makes it something else, is written in
//     binary units with one decimal: 12.9 GiB, 512 B.
//   - Every other number is grouped with thousands separators: 1,234,567.
//
// # Fitting a table to the terminal
//
// Each column gets a class from its type, name and the values shown:
//
//   - Fixed, never cut: numbers; booleans, dates, times, UUIDs, intervals; text whose every
//     value is an identifier: an IP address or CIDR, an AWS id (eni-, vpc-, subnet-, i-, sg-,
//     tgw-… followed by 8–17 hex digits, optionally :WORD as in eni-0a1b2c3d:ACCEPT), a number
//     kept as text (account ids), or one printable ASCII word of at most 24 cells (a kind:
//     ACCEPT, reverse-missing, us-east-1). Under a name meant for identifiers (a word such as
//     addr, ip, src, dst, id, interface, vpc, subnet, instance, account, port, kind, action,
//     protocol, region, status, or ending in addr, id or port) a word of any length counts.
//     Addresses or AWS ids joined by arrows ("10.0.0.1 -> 10.0.0.2") are one identifier too.
//   - Identifier lists: text whose values are addresses, AWS ids or numbers separated by
//     spaces (ENI legs); cut only between
//     whole identifiers, with a count of those left out ("eni-1:ACCEPT +2").
//   - Timestamps: cut after the seconds, the minutes or the date, never below the date
//     ("2024-03-01 12:34…", "2024-03-01…").
//   - Free text: everything else (text with words that are not identifiers, long words,
//     lists, structs, blobs); cut anywhere down to 6 cells, marked "…".
//
// When the natural widths do not fit, free text gives way first, each such column capped at
// one common width (widest first); then timestamps; then identifier lists. Cells a timestamp or
// a list leaves unused by cutting at a boundary go back to the columns that gave way before
// it. The one threshold:
// when fixed columns at full width and every other column at its narrowest still exceed the
// terminal, the result is shown in line mode (one "name = value" per line) instead.
package output
