package flowgen

import (
	"fmt"
	"strconv"

	"github.com/flowq/flowq/engine/flowlog"
)

// fieldID names a field the generator can fill.
type fieldID uint8

const (
	fVersion fieldID = iota
	fAccount
	fInterface
	fSrcAddr
	fDstAddr
	fSrcPort
	fDstPort
	fProtocol
	fPackets
	fBytes
	fStart
	fEnd
	fAction
	fLogStatus
	fVPC
	fSubnet
	fInstance
	fTCPFlags
	fType
	fPktSrcAddr
	fPktDstAddr
	fRegion
	fAZ
	fSublocType
	fSublocID
	fPktSrcSvc
	fPktDstSvc
	fDirection
	fTrafficPath
)

var fieldByName = map[string]fieldID{
	"version": fVersion, "account-id": fAccount, "interface-id": fInterface, "srcaddr": fSrcAddr,
	"dstaddr": fDstAddr, "srcport": fSrcPort, "dstport": fDstPort, "protocol": fProtocol,
	"packets": fPackets, "bytes": fBytes, "start": fStart, "end": fEnd, "action": fAction,
	"log-status": fLogStatus, "vpc-id": fVPC, "subnet-id": fSubnet, "instance-id": fInstance,
	"tcp-flags": fTCPFlags, "type": fType, "pkt-srcaddr": fPktSrcAddr, "pkt-dstaddr": fPktDstAddr,
	"region": fRegion, "az-id": fAZ, "sublocation-type": fSublocType, "sublocation-id": fSublocID,
	"pkt-src-aws-service": fPktSrcSvc, "pkt-dst-aws-service": fPktDstSvc,
	"flow-direction": fDirection, "traffic-path": fTrafficPath,
}

func mustFieldIDs(f Format) []fieldID {
	ids, err := fieldIDs(f)
	if err != nil {
		panic(err) // formats are fixed in code; a bad one is a programming error
	}
	return ids
}

func fieldIDs(f Format) ([]fieldID, error) {
	ids := make([]fieldID, len(f.Fields))
	for i, n := range f.Fields {
		id, ok := fieldByName[n]
		if !ok {
			return nil, fmt.Errorf("flowgen: format %s: field %q cannot be generated", f.Name, n)
		}
		ids[i] = id
	}
	return ids, nil
}

// formatVersion is the highest version among the format's fields, which AWS writes in the
// version field.
func formatVersion(f Format) int {
	v := 2
	for _, n := range f.Fields {
		if fd, ok := flowlog.Lookup(n); ok && fd.Version > v {
			v = fd.Version
		}
	}
	return v
}

// Action and log-status codes.
const (
	actNone uint8 = iota
	actAccept
	actReject
)

const (
	stOK uint8 = iota
	stNoData
	stSkipData
)

const (
	dirNone int8 = iota
	dirIngress
	dirEgress
)

var actionText = [...]string{"-", "ACCEPT", "REJECT"}
var statusText = [...]string{"OK", "NODATA", "SKIPDATA"}
var dirText = [...]string{"-", "ingress", "egress"}

// rec is one flow-log record before formatting. -1 means "-" for numbers and addresses.
type rec struct {
	eni            *eni
	src, dst       int
	sport, dport   int
	proto          int
	packets, bytes int64
	start, end     int64
	flags          int
	path           int
	action, status uint8
	dir            int8
	// psrc/pdst are the packet-level addresses plus one; 0 means the same as src/dst. They
	// differ on a NAT gateway's interface, which logs its own address and the original one.
	psrc, pdst int
}

func (r *rec) pktSrc() int {
	if r.psrc > 0 {
		return r.psrc - 1
	}
	return r.src
}

func (r *rec) pktDst() int {
	if r.pdst > 0 {
		return r.pdst - 1
	}
	return r.dst
}

func dash(b []byte) []byte { return append(b, '-') }

func appendNum(b []byte, v int64) []byte {
	if v < 0 {
		return dash(b)
	}
	return strconv.AppendInt(b, v, 10)
}

// appendRecord writes r as one line in the flow log's format.
func (w *world) appendRecord(b []byte, fl *flowLog, r *rec) []byte {
	for i, id := range fl.fields {
		if i > 0 {
			b = append(b, ' ')
		}
		switch id {
		case fVersion:
			b = strconv.AppendInt(b, int64(fl.version), 10)
		case fAccount:
			b = append(b, fl.account...)
		case fInterface:
			b = append(b, r.eni.id...)
		case fSrcAddr:
			b = w.appendAddr(b, r.src)
		case fDstAddr:
			b = w.appendAddr(b, r.dst)
		case fPktSrcAddr:
			b = w.appendAddr(b, r.pktSrc())
		case fPktDstAddr:
			b = w.appendAddr(b, r.pktDst())
		case fSrcPort:
			b = appendNum(b, int64(r.sport))
		case fDstPort:
			b = appendNum(b, int64(r.dport))
		case fProtocol:
			b = appendNum(b, int64(r.proto))
		case fPackets:
			b = appendNum(b, r.packets)
		case fBytes:
			b = appendNum(b, r.bytes)
		case fStart:
			b = strconv.AppendInt(b, r.start, 10)
		case fEnd:
			b = strconv.AppendInt(b, r.end, 10)
		case fAction:
			b = append(b, actionText[r.action]...)
		case fLogStatus:
			b = append(b, statusText[r.status]...)
		case fVPC:
			b = append(b, fl.vpc...)
		case fSubnet:
			b = append(b, r.eni.subnet...)
		case fInstance:
			b = append(b, r.eni.instance...)
		case fTCPFlags:
			b = appendNum(b, int64(r.flags))
		case fType:
			switch {
			case r.src < 0:
				b = dash(b)
			case w.addrs[r.src].v6:
				b = append(b, "IPv6"...)
			default:
				b = append(b, "IPv4"...)
			}
		case fRegion:
			b = append(b, fl.region...)
		case fAZ:
			b = append(b, r.eni.az...)
		case fSublocType, fSublocID:
			b = dash(b)
		case fPktSrcSvc:
			b = w.appendSvc(b, r.pktSrc())
		case fPktDstSvc:
			b = w.appendSvc(b, r.pktDst())
		case fDirection:
			b = append(b, dirText[r.dir]...)
		case fTrafficPath:
			b = appendNum(b, int64(r.path))
		}
	}
	return append(b, '\n')
}

func (w *world) appendAddr(b []byte, a int) []byte {
	if a < 0 {
		return dash(b)
	}
	return append(b, w.addrs[a].s...)
}

func (w *world) appendSvc(b []byte, a int) []byte {
	if a < 0 || w.addrs[a].svc == "" {
		return dash(b)
	}
	return append(b, w.addrs[a].svc...)
}
