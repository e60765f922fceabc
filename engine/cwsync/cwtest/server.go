// Package cwtest is a CloudWatch Logs API test server on 127.0.0.1: enough of the JSON 1.1
// protocol (DescribeLogGroups, DescribeLogStreams, FilterLogEvents, GetLogEvents) with small
// pages and a throttling mode, plus EC2 DescribeFlowLogs, for tests of the CloudWatch sync.
package cwtest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Event is one log event as stored.
type Event struct {
	ID            string
	Timestamp     int64 // ms
	IngestionTime int64 // ms
	Message       string
}

type stream struct {
	name    string
	created int64
	events  []Event // sorted by Timestamp, then ID
}

type group struct {
	name, account, region string
	streams               map[string]*stream
}

// FlowLog is what DescribeFlowLogs reports for a flow log delivering to a log group.
type FlowLog struct {
	ID, LogGroup, LogFormat, ResourceID string
}

// Server is the fake service. Its knobs may be changed between calls.
type Server struct {
	*httptest.Server

	mu             sync.Mutex
	groups         map[string]*group
	flowLogs       []FlowLog
	seq            int64
	eventPage      int // events per page at most (default 10000, the API's)
	streamPage     int // streams per page at most (default 50)
	throttle       int // the next N requests are refused with ThrottlingException
	emptyFirstPage bool
	calls          map[string]int
	throttled      int
	cache          map[string][]named // selection by request shape, so paging is not quadratic; Put drops it
}

// New starts a server on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{groups: map[string]*group{}, eventPage: 10000, streamPage: 50, calls: map[string]int{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("cwtest: listen on 127.0.0.1: %v", err))
	}
	s.Server.Listener = l
	s.Start()
	return s
}

// AddLogGroup creates a log group owned by account in region.
func (s *Server) AddLogGroup(name, account, region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups[name] == nil {
		s.groups[name] = &group{name: name, account: account, region: region, streams: map[string]*stream{}}
	}
}

// AddFlowLog registers a flow log for DescribeFlowLogs.
func (s *Server) AddFlowLog(fl FlowLog) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flowLogs = append(s.flowLogs, fl)
}

// Put stores events in a stream (created if needed), assigning ids to events without one and
// keeping the stream in time order, as CloudWatch does for late events. It returns the ids.
func (s *Server) Put(groupName, streamName string, evs ...Event) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[groupName]
	if g == nil {
		panic("cwtest: no log group " + groupName)
	}
	st := g.streams[streamName]
	if st == nil {
		st = &stream{name: streamName, created: 1}
		g.streams[streamName] = st
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		if e.ID == "" {
			s.seq++
			// Real ids are 56 digits; these keep the shape and stay unique.
			e.ID = fmt.Sprintf("%020d%036d", e.Timestamp, s.seq)
		}
		if e.IngestionTime == 0 {
			e.IngestionTime = e.Timestamp + 60000
		}
		ids[i] = e.ID
		st.events = append(st.events, e)
	}
	s.cache = nil
	sort.SliceStable(st.events, func(i, j int) bool {
		a, b := st.events[i], st.events[j]
		if a.Timestamp != b.Timestamp {
			return a.Timestamp < b.Timestamp
		}
		return a.ID < b.ID
	})
	return ids
}

// SetPageSizes caps events and streams per page (small values force many pages).
func (s *Server) SetPageSizes(events, streams int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eventPage, s.streamPage = events, streams
}

// Throttle refuses the next n requests with ThrottlingException (HTTP 400).
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// EmptyFirstPage makes FilterLogEvents answer a first request with no events and a token, as
// the real service does while it searches.
func (s *Server) EmptyFirstPage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emptyFirstPage = on
}

// Calls returns how many requests each operation received (throttled ones included).
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Throttled returns how many requests were refused by the throttling mode.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// ResetCalls zeroes the call counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.throttled = 0
}

type apiError struct {
	status int
	code   string
	msg    string
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		s.serveEC2(w, body)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "Logs_20140328.")
	if r.Method != http.MethodPost || !ok {
		writeErr(w, apiError{400, "UnknownOperationException", "unknown target " + target})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	if s.throttle > 0 {
		s.throttle--
		s.throttled++
		writeErr(w, apiError{400, "ThrottlingException", "Rate exceeded"})
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		writeErr(w, apiError{400, "SerializationException", err.Error()})
		return
	}
	var out any
	var aerr *apiError
	switch op {
	case "DescribeLogGroups":
		out, aerr = s.describeLogGroups(in)
	case "DescribeLogStreams":
		out, aerr = s.describeLogStreams(in)
	case "FilterLogEvents":
		out, aerr = s.filterLogEvents(in)
	case "GetLogEvents":
		out, aerr = s.getLogEvents(in)
	default:
		aerr = &apiError{400, "UnknownOperationException", "not implemented: " + op}
	}
	if aerr != nil {
		writeErr(w, *aerr)
		return
	}
	data, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(data)
}

func writeErr(w http.ResponseWriter, e apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	data, _ := json.Marshal(map[string]string{"__type": e.code, "message": e.msg})
	w.Write(data)
}

func str(in map[string]any, k string) string {
	v, _ := in[k].(string)
	return v
}

func num(in map[string]any, k string) (int64, bool) {
	v, ok := in[k].(float64)
	return int64(v), ok
}

func (s *Server) arn(g *group) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", g.region, g.account, g.name)
}

// lookupGroup accepts logGroupName or logGroupIdentifier (a name or an ARN), never both.
func (s *Server) lookupGroup(in map[string]any) (*group, *apiError) {
	name, ident := str(in, "logGroupName"), str(in, "logGroupIdentifier")
	if name != "" && ident != "" {
		return nil, &apiError{400, "InvalidParameterException", "logGroupName and logGroupIdentifier are mutually exclusive"}
	}
	if ident != "" {
		name = ident
		if i := strings.Index(ident, ":log-group:"); i >= 0 {
			name = strings.TrimSuffix(ident[i+len(":log-group:"):], ":*")
		}
	}
	g := s.groups[name]
	if g == nil {
		return nil, &apiError{400, "ResourceNotFoundException", "The specified log group does not exist."}
	}
	return g, nil
}

func offsetToken(tok, prefix string) (int, *apiError) {
	if tok == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(tok, prefix))
	if err != nil || !strings.HasPrefix(tok, prefix) || n < 0 {
		return 0, &apiError{400, "InvalidParameterException", "The specified nextToken is invalid."}
	}
	return n, nil
}

func (s *Server) describeLogGroups(in map[string]any) (any, *apiError) {
	prefix := str(in, "logGroupNamePrefix")
	var names []string
	for n := range s.groups {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	off, aerr := offsetToken(str(in, "nextToken"), "g")
	if aerr != nil {
		return nil, aerr
	}
	end := min(len(names), off+s.streamPage)
	var groups []map[string]any
	for _, n := range names[min(off, len(names)):end] {
		g := s.groups[n]
		groups = append(groups, map[string]any{
			"logGroupName": g.name, "arn": s.arn(g) + ":*", "logGroupArn": s.arn(g), "creationTime": 1, "storedBytes": 0,
		})
	}
	out := map[string]any{"logGroups": groups}
	if end < len(names) {
		out["nextToken"] = "g" + strconv.Itoa(end)
	}
	return out, nil
}

func (s *Server) describeLogStreams(in map[string]any) (any, *apiError) {
	g, aerr := s.lookupGroup(in)
	if aerr != nil {
		return nil, aerr
	}
	prefix := str(in, "logStreamNamePrefix")
	var names []string
	for n := range g.streams {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	off, aerr := offsetToken(str(in, "nextToken"), "s")
	if aerr != nil {
		return nil, aerr
	}
	page := s.streamPage
	if l, ok := num(in, "limit"); ok && int(l) < page {
		page = int(l)
	}
	end := min(len(names), off+page)
	var streams []map[string]any
	for _, n := range names[min(off, len(names)):end] {
		st := g.streams[n]
		m := map[string]any{"logStreamName": n, "creationTime": st.created,
			"arn": s.arn(g) + ":log-stream:" + n}
		if len(st.events) > 0 {
			m["firstEventTimestamp"] = st.events[0].Timestamp
			m["lastEventTimestamp"] = st.events[len(st.events)-1].Timestamp
			m["lastIngestionTime"] = st.events[len(st.events)-1].IngestionTime
		}
		streams = append(streams, m)
	}
	out := map[string]any{"logStreams": streams}
	if end < len(names) {
		out["nextToken"] = "s" + strconv.Itoa(end)
	}
	return out, nil
}

type named struct {
	stream string
	Event
}

// selectEvents returns the events of the named streams in [start, end], interleaved by time.
func selectEvents(g *group, streams []string, start, end int64, endInclusive bool) []named {
	var out []named
	for _, n := range streams {
		st := g.streams[n]
		if st == nil {
			continue
		}
		for _, e := range st.events {
			if e.Timestamp < start || e.Timestamp > end || (!endInclusive && e.Timestamp == end) {
				continue
			}
			out = append(out, named{n, e})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Timestamp != out[j].Timestamp {
			return out[i].Timestamp < out[j].Timestamp
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (s *Server) selectCached(g *group, streams []string, start, end int64, endInclusive bool) []named {
	sorted := append([]string(nil), streams...)
	sort.Strings(sorted)
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%v", g.name, strings.Join(sorted, ","), start, end, endInclusive)
	if evs, ok := s.cache[key]; ok {
		return evs
	}
	if s.cache == nil || len(s.cache) > 1000 {
		s.cache = map[string][]named{}
	}
	evs := selectEvents(g, streams, start, end, endInclusive)
	s.cache[key] = evs
	return evs
}

func (s *Server) timeRange(in map[string]any) (int64, int64) {
	start, end := int64(0), int64(1<<62)
	if v, ok := num(in, "startTime"); ok {
		start = v
	}
	if v, ok := num(in, "endTime"); ok {
		end = v
	}
	return start, end
}

func (s *Server) pageSize(in map[string]any) int {
	page := s.eventPage
	if l, ok := num(in, "limit"); ok && l > 0 && int(l) < page {
		page = int(l)
	}
	return page
}

func (s *Server) filterLogEvents(in map[string]any) (any, *apiError) {
	g, aerr := s.lookupGroup(in)
	if aerr != nil {
		return nil, aerr
	}
	var streams []string
	if list, ok := in["logStreamNames"].([]any); ok {
		for _, v := range list {
			if n, ok := v.(string); ok {
				streams = append(streams, n)
			}
		}
	} else {
		for n := range g.streams {
			if strings.HasPrefix(n, str(in, "logStreamNamePrefix")) {
				streams = append(streams, n)
			}
		}
	}
	if str(in, "filterPattern") != "" {
		return nil, &apiError{400, "InvalidParameterException", "cwtest: filter patterns are not supported"}
	}
	start, end := s.timeRange(in)
	evs := s.selectCached(g, streams, start, end, true) // FilterLogEvents: endTime is inclusive
	tok := str(in, "nextToken")
	if tok == "" && s.emptyFirstPage {
		return map[string]any{"events": []any{}, "searchedLogStreams": []any{}, "nextToken": "t0"}, nil
	}
	off, aerr := offsetToken(tok, "t")
	if aerr != nil {
		return nil, aerr
	}
	end2 := min(len(evs), off+s.pageSize(in))
	out := []map[string]any{}
	for _, e := range evs[min(off, len(evs)):end2] {
		out = append(out, map[string]any{"logStreamName": e.stream, "timestamp": e.Timestamp,
			"ingestionTime": e.IngestionTime, "message": e.Message, "eventId": e.ID})
	}
	res := map[string]any{"events": out, "searchedLogStreams": []any{}}
	if end2 < len(evs) {
		res["nextToken"] = "t" + strconv.Itoa(end2)
	}
	return res, nil
}

func (s *Server) getLogEvents(in map[string]any) (any, *apiError) {
	g, aerr := s.lookupGroup(in)
	if aerr != nil {
		return nil, aerr
	}
	name := str(in, "logStreamName")
	if g.streams[name] == nil {
		return nil, &apiError{400, "ResourceNotFoundException", "The specified log stream does not exist."}
	}
	if h, ok := in["startFromHead"].(bool); !ok || !h {
		return nil, &apiError{400, "InvalidParameterException", "cwtest: only startFromHead=true is supported"}
	}
	start, end := s.timeRange(in)
	evs := s.selectCached(g, []string{name}, start, end, false) // GetLogEvents: endTime is exclusive
	tok := str(in, "nextToken")
	off, aerr := offsetToken(tok, "f/")
	if aerr != nil {
		return nil, aerr
	}
	end2 := min(len(evs), off+s.pageSize(in))
	out := []map[string]any{}
	for _, e := range evs[min(off, len(evs)):end2] {
		out = append(out, map[string]any{"timestamp": e.Timestamp, "ingestionTime": e.IngestionTime, "message": e.Message})
	}
	// At the end the forward token equals the one sent, which is how callers stop.
	return map[string]any{"events": out, "nextForwardToken": "f/" + strconv.Itoa(end2), "nextBackwardToken": "b/" + strconv.Itoa(off)}, nil
}

// serveEC2 answers DescribeFlowLogs (EC2 query protocol) with the registered flow logs,
// filtered by log-group-name.
func (s *Server) serveEC2(w http.ResponseWriter, body []byte) {
	form, err := url.ParseQuery(string(body))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["ec2:"+form.Get("Action")]++
	if err != nil || form.Get("Action") != "DescribeFlowLogs" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<Response><Errors><Error><Code>InvalidAction</Code><Message>not implemented</Message></Error></Errors><RequestID>1</RequestID></Response>`)
		return
	}
	var groups []string
	for i := 1; form.Get(fmt.Sprintf("Filter.%d.Name", i)) != ""; i++ {
		if form.Get(fmt.Sprintf("Filter.%d.Name", i)) == "log-group-name" {
			for j := 1; form.Get(fmt.Sprintf("Filter.%d.Value.%d", i, j)) != ""; j++ {
				groups = append(groups, form.Get(fmt.Sprintf("Filter.%d.Value.%d", i, j)))
			}
		}
	}
	type item struct {
		FlowLogID          string `xml:"flowLogId"`
		LogGroupName       string `xml:"logGroupName"`
		LogFormat          string `xml:"logFormat"`
		ResourceID         string `xml:"resourceId"`
		LogDestinationType string `xml:"logDestinationType"`
	}
	type resp struct {
		XMLName   xml.Name `xml:"DescribeFlowLogsResponse"`
		RequestID string   `xml:"requestId"`
		Items     []item   `xml:"flowLogSet>item"`
	}
	out := resp{RequestID: "cwtest"}
	for _, fl := range s.flowLogs {
		match := len(groups) == 0
		for _, g := range groups {
			match = match || g == fl.LogGroup
		}
		if match {
			out.Items = append(out.Items, item{fl.ID, fl.LogGroup, fl.LogFormat, fl.ResourceID, "cloud-watch-logs"})
		}
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	data, _ := xml.Marshal(out)
	w.Write([]byte(xml.Header))
	w.Write(data)
}
