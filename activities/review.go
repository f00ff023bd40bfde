package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// ReviewMessenger posts and rewrites access-review DMs (the worker adapts
// the Slack client). Nil: Slack is off, and the campaign runs on reminders
// and its non-response policy.
type ReviewMessenger interface {
	// SlackUserID is the member with that email (NotFound *directory.Error
	// when there is none).
	SlackUserID(ctx context.Context, email string) (string, error)
	PostReview(ctx context.Context, email string, m ReviewDM) (channel, ts string, err error)
	UpdateReview(ctx context.Context, channel, ts string, m ReviewDM) error
}

// ReviewDM is one reviewee's review as the reviewer sees it.
type ReviewDM struct {
	Title        string
	Fields       []contract.MessageField
	Lines        []ReviewDMLine
	KeepAllValue string // "" once nothing is undecided
}

// ReviewDMLine is one item: text, status, and its buttons' values.
type ReviewDMLine struct {
	Key                    int
	Text, Status           string
	KeepValue, RemoveValue string
}

// ReadReviewPeople reads the HR records jml holds (the Employee workflows'
// state): the reviewer chain and who has left come from HR, never from a
// directory attribute an admin could edit.
func (a *Activities) ReadReviewPeople(ctx context.Context, in contract.ReviewPeopleInput) (contract.ReviewPeopleOutput, error) {
	out := contract.ReviewPeopleOutput{People: []contract.ReviewPerson{}}
	if a.People == nil {
		return out, badInput("HR records are not available to this worker")
	}
	for _, id := range in.EmployeeIDs {
		heartbeat(ctx, id)
		rec, found, err := a.People.HRRecord(ctx, id)
		if err != nil {
			return out, temporalError(err)
		}
		p := contract.ReviewPerson{EmployeeID: id, Found: found}
		if found {
			p.Active = rec.Status != domain.HRTerminated
			p.ManagerEmployeeID = rec.ManagerEmployeeID
			p.Role = contract.ReviewRole{Department: rec.Department, Title: rec.Title, Location: rec.Location, EmploymentType: rec.EmploymentType}
		}
		out.People = append(out.People, p)
	}
	return out, nil
}

// reviewItemText is how an item reads in the DM and the CSV.
func reviewItemText(a contract.AccessItem) string {
	where := "outside the catalog"
	if a.Catalog {
		where = "catalog"
	}
	if a.Kind == contract.EntitlementApp {
		return fmt.Sprintf("app account %s (%s)", a.Entitlement, where)
	}
	return fmt.Sprintf("%s %s in %s (%s)", strings.ReplaceAll(a.Kind, "_", " "), a.Entitlement, a.Directory, where)
}

func reviewStatus(it contract.ReviewItem) string {
	switch {
	case it.Result != "":
		s := strings.ReplaceAll(it.Result, "_", " ")
		if it.Decision != "" && it.Result != it.Decision {
			s = it.Decision + ": " + s
		}
		return s
	case it.Decision != "":
		return it.Decision + " (by " + it.DecidedBy + ")"
	}
	return ""
}

// PostReviewMessage DMs the reviewer one reviewee's access with Keep and
// Remove per item and Keep all, at the reviewer's HR work email, or
// rewrites that DM with the decisions so far. It returns the reviewer's
// Slack member (of the HR email): the campaign accepts presses from it only.
func (a *Activities) PostReviewMessage(ctx context.Context, in contract.ReviewMessageInput) (contract.ReviewMessageOutput, error) {
	if a.Reviews == nil || a.People == nil {
		return contract.ReviewMessageOutput{Detail: "slack disabled"}, nil
	}
	rec, found, err := a.People.HRRecord(ctx, in.ReviewerEmployeeID)
	if err != nil {
		return contract.ReviewMessageOutput{}, temporalError(err)
	}
	if !found || rec.Email == "" {
		a.Logger.Warn().Str("reviewer", in.ReviewerEmployeeID).Msg("reviewer has no HR email: review DM not sent")
		return contract.ReviewMessageOutput{Detail: "reviewer's HR email unknown"}, nil
	}
	uid, err := a.Reviews.SlackUserID(ctx, rec.Email)
	if directory.IsNotFound(err) {
		a.Logger.Warn().Str("reviewer", in.ReviewerEmployeeID).Msg("reviewer not in Slack: review DM not sent")
		return contract.ReviewMessageOutput{Detail: "reviewer not found in Slack"}, nil
	}
	if err != nil {
		return contract.ReviewMessageOutput{}, temporalError(err)
	}
	who := in.RevieweeEmployeeID
	if r, ok, err := a.People.HRRecord(ctx, in.RevieweeEmployeeID); err == nil && ok {
		who = strings.TrimSpace(r.GivenName+" "+r.FamilyName) + " (" + in.RevieweeEmployeeID + ")"
	}
	m := ReviewDM{Title: "Access review: " + who, Fields: []contract.MessageField{
		{Label: "Campaign", Value: in.Campaign},
		{Label: "Due", Value: in.DueAt.UTC().Format("2006-01-02 15:04 MST")},
		{Label: "What to do", Value: "Keep what they still need, Remove what they do not. Removals are applied and read back."},
	}}
	if in.Note != "" {
		m.Fields = append(m.Fields, contract.MessageField{Label: "Note", Value: in.Note})
	}
	undecided := false
	for _, it := range in.Items {
		l := ReviewDMLine{Key: it.Key, Text: reviewItemText(it.Access), Status: reviewStatus(it)}
		if strings.HasPrefix(in.Note, "closed") || strings.HasPrefix(in.Note, "moved") {
			if l.Status == "" {
				l.Status = in.Note
			}
		}
		if l.Status == "" {
			undecided = true
			key := fmt.Sprint(it.Key)
			l.KeepValue = contract.ReviewButtonValue(in.Campaign, in.RevieweeEmployeeID, key, contract.ReviewKeep)
			l.RemoveValue = contract.ReviewButtonValue(in.Campaign, in.RevieweeEmployeeID, key, contract.ReviewRemove)
		}
		m.Lines = append(m.Lines, l)
	}
	if undecided {
		m.KeepAllValue = contract.ReviewButtonValue(in.Campaign, in.RevieweeEmployeeID, "all", contract.ReviewKeep)
	}
	out := contract.ReviewMessageOutput{Delivered: true, ReviewerSlackUserID: uid, Message: in.Message}
	if in.Message.TS != "" {
		if err := a.Reviews.UpdateReview(ctx, in.Message.Channel, in.Message.TS, m); err != nil {
			return contract.ReviewMessageOutput{}, temporalError(err)
		}
		return out, nil
	}
	ch, ts, err := a.Reviews.PostReview(ctx, rec.Email, m)
	if err != nil {
		return contract.ReviewMessageOutput{}, temporalError(err)
	}
	out.Message = contract.ReviewMessageRef{Channel: ch, TS: ts}
	a.Logger.Info().Str("campaign", in.Campaign).Str("reviewer", in.ReviewerEmployeeID).Str("reviewee", in.RevieweeEmployeeID).Msg("review DM sent")
	return out, nil
}

// reviewDir is the directory or SCIM app an item lives in.
func (a *Activities) reviewDir(dir, kind string) (directory.Directory, error) {
	if kind == contract.EntitlementApp {
		return a.app(dir)
	}
	return a.dir(dir)
}

// ResolveReviewAccount finds the reviewee's account behind an item (by
// employee id, then the HR email) and says whether it is a declared
// break-glass account, which a review never touches.
func (a *Activities) ResolveReviewAccount(ctx context.Context, in contract.ReviewAccountInput) (contract.ReviewAccountOutput, error) {
	d, err := a.reviewDir(in.Directory, in.Kind)
	if err != nil {
		return contract.ReviewAccountOutput{}, err
	}
	email := ""
	if a.People != nil {
		if rec, ok, err := a.People.HRRecord(ctx, in.EmployeeID); err == nil && ok {
			email = rec.Email
		}
	}
	acct, err := d.FindUser(ctx, in.EmployeeID, email)
	if directory.IsNotFound(err) {
		return contract.ReviewAccountOutput{}, nil
	}
	if err != nil {
		return contract.ReviewAccountOutput{}, temporalError(err)
	}
	bg := slices.ContainsFunc(in.BreakGlass, func(b contract.BreakGlassRef) bool {
		return b.Directory == in.Directory && (strings.EqualFold(b.Account, acct.Login) || strings.EqualFold(b.Account, acct.ID))
	})
	return contract.ReviewAccountOutput{Found: true, AccountID: acct.ID, BreakGlass: bg}, nil
}

// VerifyAccessRemoved reads the item back: the group, licence, SSO app
// assignment or app account must be gone (retried while the directory
// catches up).
func (a *Activities) VerifyAccessRemoved(ctx context.Context, in contract.VerifyRemovedInput) (contract.Empty, error) {
	d, err := a.reviewDir(in.Directory, in.Kind)
	if err != nil {
		return contract.Empty{}, err
	}
	still := func(list []string, err error) error {
		if err != nil {
			return temporalError(err)
		}
		if slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, in.Entitlement) }) {
			return temporalErrorVerify(fmt.Sprintf("%s: %s %q of employee %s still held", in.Directory, in.Kind, in.Entitlement, in.EmployeeID))
		}
		return nil
	}
	switch in.Kind {
	case contract.EntitlementGroup:
		g, ok := d.(directory.GroupManager)
		if !ok {
			return contract.Empty{}, temporalError(directory.Unsupported(d.Name(), "groups"))
		}
		return contract.Empty{}, still(g.ListGroups(ctx, in.AccountID))
	case contract.EntitlementLicense:
		l, ok := d.(directory.LicenseManager)
		if !ok {
			return contract.Empty{}, temporalError(directory.Unsupported(d.Name(), "licenses"))
		}
		return contract.Empty{}, still(l.ListLicenses(ctx, in.AccountID))
	case contract.EntitlementSSOApp:
		ar, ok := d.(directory.UserAppReader)
		if !ok {
			return contract.Empty{}, temporalError(directory.Unsupported(d.Name(), "app assignments"))
		}
		return contract.Empty{}, still(ar.ListUserApps(ctx, in.AccountID))
	case contract.EntitlementApp:
		acct, err := d.FindUser(ctx, in.EmployeeID, "")
		if directory.IsNotFound(err) {
			return contract.Empty{}, nil
		}
		if err != nil {
			return contract.Empty{}, temporalError(err)
		}
		if acct.Enabled {
			return contract.Empty{}, temporalErrorVerify(fmt.Sprintf("%s: app account of employee %s still active", in.Directory, in.EmployeeID))
		}
		return contract.Empty{}, nil
	}
	return contract.Empty{}, badInput(fmt.Sprintf("kind %q cannot be read back here", in.Kind))
}

// registerReviews binds the access-review activities (the snapshot,
// contract.SnapshotAccess, is registered with the snapshot reader).
func (a *Activities) registerReviews(r contract.Registry) {
	contract.Register(r, contract.ReadReviewPeople, a.ReadReviewPeople)
	contract.Register(r, contract.PostReviewMessage, a.PostReviewMessage)
	contract.Register(r, contract.ResolveReviewAccount, a.ResolveReviewAccount)
	contract.Register(r, contract.VerifyAccessRemoved, a.VerifyAccessRemoved)
	contract.Register(r, contract.RemoveSSOApp, a.RemoveSSOApp)
	contract.Register(r, contract.MergeReviewEvidence, a.MergeReviewEvidence)
	contract.Register(r, contract.WriteReviewEvidence, a.WriteReviewEvidence)
}
