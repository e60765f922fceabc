// Package why answers "why can't A reach B?" from the flow logs alone: it gathers every record
// between two addresses or CIDRs, rebuilds the connections and names the cause with its evidence.
//
// docs/why.md is the user's account of the verdicts, the evidence and the output; this is the
// programmer's.
//
// # Go API
//
//	rep, err := why.Analyze(ctx, sess.DB, why.Question{Src: "10.0.1.5", Dst: "10.0.2.0/24", Port: 5432,
//		Proto: "tcp", Since: time.Now().Add(-24 * time.Hour)})
//	rep.WriteText(os.Stdout) // or rep.WriteJSON(os.Stdout)
//
// Analyze runs on a session's *sql.DB (the vpc_flow_logs view); CIDR sides need the compat
// functions registered (store.SessionOptions{Init: compat.Register}), plain addresses are matched
// exactly without them. ParseTarget("10.0.2.9:5432") splits the command line's DST[:PORT].
//
// Analyze gathers the records (query.go), rebuilds conversations and classifies each
// (classify.go), then explain (explain.go) writes the summary and next steps, one function per
// verdict, and qualify adds the notes that lower the confidence; text.go renders the report.
//
// # How it is tested
//
// TestPlantedCases and TestPlantedCasesDefaultFormat load flowgen data sets with one planted
// failure per verdict (custom and default format) through the real store (engine/store/storetest)
// and check each verdict and its evidence counts against the generator's truth;
// TestMixedReportsLatestAndEarlier checks phases. TestEdgeCases hand-writes records for the corner
// cases (resets, reversed roles, unknown directions, SKIPDATA, truncation); TestGolden pins the
// text output in testdata/*.golden; TestWithoutCompat, TestEmptyStore and TestConcurrentCauses
// cover sessions without the compat functions, an empty store and mixed causes in one hour.
package why
