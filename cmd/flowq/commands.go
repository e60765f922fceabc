package main

import "github.com/spf13/cobra"

const version = "0.1.0"

// commands lists the sub-commands; each lives in its own file. A nil runF runs the command.
func commands(f *factory) []*cobra.Command {
	return []*cobra.Command{
		newLoadCmd(f, nil),
		newQueryCmd(f, nil),
		newStatusCmd(f, nil),
		newDemoCmd(f, nil),
		newSyncCmd(f, nil),
		newAthenaCmd(f, nil),
		newRunCmd(f, nil),
		newQueriesCmd(f, nil),
		newShellCmd(f, nil),
		newReportCmd(f, nil),
		newWhyCmd(f, nil),
		newDoctorCmd(f, nil),
		newInventoryCmd(f),
	}
}
