package cwsync

import "github.com/flowq/flowq/engine/flowlog"

// HeaderFor is the header of a flow log's records from its LogFormat (ParseLogFormat). An
// empty format is the default format of the flow log's log type: the transit gateway one when
// every name given (the flow logs' ResourceIds from DescribeFlowLogs, or the streams synced,
// which AWS names after the gateway or attachment) is a transit gateway resource (tgw-…,
// tgw-attach-…), else the VPC version 2 default.
func HeaderFor(format string, names ...string) (flowlog.Header, error) {
	if format != "" || len(names) == 0 {
		return ParseLogFormat(format)
	}
	for _, n := range names {
		if _, ok := flowlog.TGWResource(n); !ok {
			return ParseLogFormat(format)
		}
	}
	return flowlog.TGWDefaultHeader(), nil
}
