package broker

// DescribeUserScramCredentials (key 50) and AlterUserScramCredentials
// (key 51), version 0 (KIP-554): the SCRAM credentials of the cluster's
// users, as kafka-configs.sh --entity-type users manages them.
//
// An upsertion carries the salt and the salted password, never the
// password: the client salts, the broker derives the stored and server
// keys. Iterations must lie in 4096..16384 (Kafka's bounds); a user may
// appear once per request, or every entry for it fails with
// DUPLICATE_RESOURCE. Describing tells the mechanisms and iterations,
// never the keys.
//
// Credentials altered here are saved with the cluster metadata in the
// data directory (persist_scram.go), as Kafka keeps them in its metadata
// log, so they are back after a restart.

import (
	"sort"

	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() {
	register(0, 0, handleDescribeUserScramCredentials)
	register(0, 0, handleAlterUserScramCredentials)
}

// scramMechanisms are ScramMechanism's wire ids.
var scramMechanisms = map[int8]string{1: security.MechanismSCRAMSHA256, 2: security.MechanismSCRAMSHA512}

func scramMechanismID(name string) int8 {
	for id, n := range scramMechanisms {
		if n == name {
			return id
		}
	}
	return 0
}

func handleDescribeUserScramCredentials(r *request, req *kmsg.DescribeUserSCRAMCredentialsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.DescribeUserSCRAMCredentialsResponse))
	users := r.broker.cluster.creds.ScramUsers()
	var names []string
	if len(req.Users) == 0 {
		for u := range users {
			names = append(names, u)
		}
		sort.Strings(names)
	} else {
		for _, u := range req.Users {
			names = append(names, u.Name)
		}
	}
	seen := countNames(names, func(s string) string { return s })
	answered := map[string]bool{}
	for _, u := range names {
		if answered[u] {
			continue
		}
		answered[u] = true
		res := kmsg.NewDescribeUserSCRAMCredentialsResponseResult()
		res.User = u
		switch infos, ok := users[u]; {
		case seen[u] > 1:
			res.ErrorCode = kerr.DuplicateResource.Code
			res.ErrorMessage = kmsg.StringPtr("Cannot describe SCRAM credentials for the same user twice in a single request: " + u)
		case !ok:
			res.ErrorCode = kerr.ResourceNotFound.Code
			res.ErrorMessage = kmsg.StringPtr("Attempt to describe a user credential that does not exist: " + u)
		default:
			for _, in := range infos {
				ci := kmsg.NewDescribeUserSCRAMCredentialsResponseResultCredentialInfo()
				ci.Mechanism, ci.Iterations = scramMechanismID(in.Mechanism), int32(in.Iterations)
				res.CredentialInfos = append(res.CredentialInfos, ci)
			}
		}
		resp.Results = append(resp.Results, res)
	}
	return resp, nil
}

func handleAlterUserScramCredentials(r *request, req *kmsg.AlterUserSCRAMCredentialsRequest) (kmsg.Response, error) {
	resp := responseFor(r, req.ResponseKind().(*kmsg.AlterUserSCRAMCredentialsResponse))
	creds := r.broker.cluster.creds
	var order []string
	count := map[string]int{}
	for _, d := range req.Deletions {
		if count[d.Name] == 0 {
			order = append(order, d.Name)
		}
		count[d.Name]++
	}
	for _, u := range req.Upsertions {
		if count[u.Name] == 0 {
			order = append(order, u.Name)
		}
		count[u.Name]++
	}
	failed := map[string]*kmsg.AlterUserSCRAMCredentialsResponseResult{}
	fail := func(user string, code int16, msg string) {
		if failed[user] == nil {
			res := kmsg.NewAlterUserSCRAMCredentialsResponseResult()
			res.User, res.ErrorCode, res.ErrorMessage = user, code, kmsg.StringPtr(msg)
			failed[user] = &res
		}
	}
	// Validate everything first: a user's changes apply all or none.
	for _, u := range order {
		switch {
		case u == "":
			fail(u, kerr.UnacceptableCredential.Code, "Username must not be empty")
		case count[u] > 1:
			fail(u, kerr.DuplicateResource.Code, "A user credential cannot be altered twice in the same request")
		}
	}
	for _, d := range req.Deletions {
		m, ok := scramMechanisms[d.Mechanism]
		switch {
		case !ok:
			fail(d.Name, kerr.UnsupportedSaslMechanism.Code, "Unknown SCRAM mechanism")
		default:
			if _, exists := creds.Scram(m, d.Name); !exists {
				fail(d.Name, kerr.ResourceNotFound.Code, "Attempt to delete a user credential that does not exist")
			}
		}
	}
	for _, u := range req.Upsertions {
		_, ok := scramMechanisms[u.Mechanism]
		switch {
		case !ok:
			fail(u.Name, kerr.UnsupportedSaslMechanism.Code, "Unknown SCRAM mechanism")
		case u.Iterations < security.DefaultScramIterations:
			fail(u.Name, kerr.UnacceptableCredential.Code, "Too few iterations")
		case u.Iterations > security.MaxScramIterations:
			fail(u.Name, kerr.UnacceptableCredential.Code, "Too many iterations")
		case len(u.Salt) == 0 || len(u.SaltedPassword) == 0:
			fail(u.Name, kerr.UnacceptableCredential.Code, "Salt and salted password must not be empty")
		}
	}
	saveErr := r.broker.cluster.ctl.alterScram(func() {
		for _, d := range req.Deletions {
			if failed[d.Name] == nil {
				creds.DeleteScram(scramMechanisms[d.Mechanism], d.Name)
			}
		}
		for _, u := range req.Upsertions {
			if failed[u.Name] != nil {
				continue
			}
			m := scramMechanisms[u.Mechanism]
			sc, err := security.ScramCredentialFromSalted(m, u.SaltedPassword, u.Salt, int(u.Iterations))
			if err == nil {
				err = creds.SetScram(m, u.Name, sc)
			}
			if err != nil {
				fail(u.Name, kerr.UnacceptableCredential.Code, err.Error())
			}
		}
	})
	if saveErr != nil {
		// Credentials not saved would be lost at the next start: every
		// user of the request is told its change failed.
		r.broker.logger.Error("saving SCRAM credentials", "err", saveErr)
		for _, u := range order {
			fail(u, kerr.UnknownServerError.Code, "The SCRAM credentials could not be saved: "+saveErr.Error())
		}
	}
	for _, u := range order {
		if res := failed[u]; res != nil {
			resp.Results = append(resp.Results, *res)
			continue
		}
		res := kmsg.NewAlterUserSCRAMCredentialsResponseResult()
		res.User = u
		resp.Results = append(resp.Results, res)
	}
	return resp, nil
}
