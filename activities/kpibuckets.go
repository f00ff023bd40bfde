package activities

import "github.com/jml-dev/jml/contract"

// GuideDeprovisioningSeconds is the IAM guide's deprovisioning target:
// "Deprovisioning SLA: <= 1 hour".
const GuideDeprovisioningSeconds = 3600

// DeprovisioningBucketEdges are the upper bounds (seconds) of the
// dashboard's distribution; the 1-hour target is an edge, so a bar is
// wholly inside or outside it. The last bucket (0) is unbounded.
var DeprovisioningBucketEdges = []int64{5 * 60, 15 * 60, 30 * 60, GuideDeprovisioningSeconds, 2 * 3600, 4 * 3600, 24 * 3600, 0}

// DeprovisioningBuckets counts durations (seconds) into the buckets and
// says how many are within the guide's hour. Every bucket is present, so
// a chart and its CSV have the same rows each month.
func DeprovisioningBuckets(durations []int64) (withinHour int, buckets []contract.DurationBucket) {
	buckets = make([]contract.DurationBucket, len(DeprovisioningBucketEdges))
	for i, e := range DeprovisioningBucketEdges {
		buckets[i].UpToSeconds = e
	}
	for _, d := range durations {
		if d <= GuideDeprovisioningSeconds {
			withinHour++
		}
		for i, e := range DeprovisioningBucketEdges {
			if e == 0 || d <= e {
				buckets[i].Leavers++
				break
			}
		}
	}
	return withinHour, buckets
}
