package main

import "github.com/spf13/cobra"

const version = "0.1.0"

// commands lists the sub-commands; each lives in its own file.
func commands(f *factory) []*cobra.Command {
	return []*cobra.Command{
		newLoadCmd(f),
		newQueryCmd(f),
		newStatusCmd(f),
		newDemoCmd(f),
		newSyncCmd(f),
		newAthenaCmd(f),
		newRunCmd(f),
		newQueriesCmd(f),
		newShellCmd(f),
		newReportCmd(f),
		newWhyCmd(f),
		newInventoryCmd(f),
	}
}
