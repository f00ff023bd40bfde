package contract

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Custom search attributes, declared once. `jml dev` and the test harness
// register every one of them; workflows upsert them at each status change so
// operators can find, for example, every leaver past SLA with one query:
//
//	LifecycleEvent = "leaver" AND SLABreached = true
//
// They are not encrypted by the payload codec, so they carry no PII: only
// opaque ids and status words.
var (
	EmployeeIDKey      = temporal.NewSearchAttributeKeyKeyword("EmployeeID")
	DepartmentKey      = temporal.NewSearchAttributeKeyKeyword("Department")
	LifecycleEventKey  = temporal.NewSearchAttributeKeyKeyword("LifecycleEvent")
	LifecycleStatusKey = temporal.NewSearchAttributeKeyKeyword("LifecycleStatus")
	SLABreachedKey     = temporal.NewSearchAttributeKeyBool("SLABreached")
	EffectiveAtKey     = temporal.NewSearchAttributeKeyTime("EffectiveAt")
	ElevationRoleKey   = temporal.NewSearchAttributeKeyKeyword("ElevationRole")
	ElevationStatusKey = temporal.NewSearchAttributeKeyKeyword("ElevationStatus")
)

// SearchAttributes maps each custom attribute to its index type, for
// registration with the server (operator service or dev server flags).
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		EmployeeIDKey.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		DepartmentKey.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		LifecycleEventKey.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		LifecycleStatusKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SLABreachedKey.GetName():     enumspb.INDEXED_VALUE_TYPE_BOOL,
		EffectiveAtKey.GetName():     enumspb.INDEXED_VALUE_TYPE_DATETIME,
		ElevationRoleKey.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		ElevationStatusKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}
