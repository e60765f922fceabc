package cwsync

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/flowq/flowq/engine/flowlog"
)

// ParseLogFormat turns a flow log's LogFormat, as AWS prints it ("${version} ${account-id}
// ${interface-id} ..."), into the header of its records, of either log type: a format with a
// transit gateway field is a transit gateway one, typed as that table. Plain names without
// "${...}" are accepted too; an empty string gives the version 2 default format (see
// HeaderFor for transit gateway flow logs).
func ParseLogFormat(format string) (flowlog.Header, error) {
	format = strings.TrimSpace(format)
	if format == "" {
		return flowlog.DefaultHeader(), nil
	}
	toks := strings.Fields(format)
	names := make([]string, 0, len(toks))
	for _, t := range toks {
		name := t
		if strings.HasPrefix(t, "${") {
			if !strings.HasSuffix(t, "}") || len(t) < 4 {
				return flowlog.Header{}, fmt.Errorf("log format %q: malformed field %q (want ${name})", format, t)
			}
			name = t[2 : len(t)-1]
		} else if strings.ContainsAny(t, "${}") {
			return flowlog.Header{}, fmt.Errorf("log format %q: malformed field %q (want ${name})", format, t)
		}
		names = append(names, name)
	}
	h, _, err := flowlog.ParseAnyHeader(strings.Join(names, " "))
	if err != nil {
		return flowlog.Header{}, fmt.Errorf("log format %q: %w", format, err)
	}
	return h, nil
}

// EC2API is the part of *ec2.Client the format lookup uses.
type EC2API interface {
	DescribeFlowLogs(ctx context.Context, in *ec2.DescribeFlowLogsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeFlowLogsOutput, error)
}

// LookupFormat asks EC2 DescribeFlowLogs for the LogFormat of the flow logs that deliver to a
// log group. Several flow logs may share a group; they must agree on one format, because a
// stream's events carry no header of their own.
func LookupFormat(ctx context.Context, api EC2API, logGroup string) (string, error) {
	format, _, err := LookupFlowLog(ctx, api, logGroup)
	return format, err
}

// LookupFlowLog is LookupFormat that also returns the ResourceIds of the flow logs that deliver
// to the group (VPC, subnet, ENI or transit gateway ids), which HeaderFor needs when the format
// is empty.
func LookupFlowLog(ctx context.Context, api EC2API, logGroup string) (format string, resources []string, err error) {
	var logs []ec2types.FlowLog
	in := &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("log-group-name"), Values: []string{logGroup}}}}
	for {
		out, err := api.DescribeFlowLogs(ctx, in)
		if err != nil {
			return "", nil, fmt.Errorf("describe flow logs for log group %s: %w", logGroup, err)
		}
		logs = append(logs, out.FlowLogs...)
		if aws.ToString(out.NextToken) == "" || aws.ToString(out.NextToken) == aws.ToString(in.NextToken) {
			break
		}
		in.NextToken = out.NextToken
	}
	formats := map[string][]string{}
	for _, fl := range logs {
		f := strings.Join(strings.Fields(aws.ToString(fl.LogFormat)), " ")
		formats[f] = append(formats[f], aws.ToString(fl.FlowLogId))
		resources = append(resources, aws.ToString(fl.ResourceId))
	}
	switch len(formats) {
	case 0:
		return "", nil, fmt.Errorf("no flow log delivers to log group %s in this account and region; pass --log-format", logGroup)
	case 1:
		for f := range formats {
			return f, resources, nil
		}
	}
	var desc []string
	for f, ids := range formats {
		desc = append(desc, fmt.Sprintf("%s: %q", strings.Join(ids, ","), f))
	}
	sort.Strings(desc)
	return "", nil, fmt.Errorf("flow logs delivering to log group %s use different formats (%s); pass --log-format for the streams you sync",
		logGroup, strings.Join(desc, "; "))
}
