// Package steps holds the self-service steps (identify, verify, password,
// done) and the registry that builds them from a flow definition's
// parameters. Each step is a small value behind flow.Step; flows list them
// by type name, so a new flow reuses steps without touching them.
package steps

import "github.com/seuil-idp/seuil/flows/flow"

// Registry returns the factories of the shipped step types.
func Registry() flow.Registry {
	return flow.Registry{
		"identify": NewIdentify,
		"verify":   NewVerify,
		"password": NewPassword,
		"done":     NewDone,
	}
}

// Regulation rules the steps call (idp/regulation defines their limits).
const (
	RuleIdentifyIP      = "identify_ip"
	RuleIdentifyStudent = "identify_student"
	RuleCodeSendPhone   = "code_send_phone"
	RuleCodeSendIP      = "code_send_ip"
	RuleCodeSendStudent = "code_send_student"
)
