package queries

import "embed"

// TransitGatewayFS holds the saved queries over transit_gateway_flow_logs, in the folder
// transit-gateway/. They stay out of FS (and so out of the catalog, the HTML report and the
// tests that run every query over a store) until the store loads that table.
//
//go:embed transit-gateway/*.sql
var TransitGatewayFS embed.FS
