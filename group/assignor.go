package group

type assignor interface{ name() string }

type stubAssignor string

func (a stubAssignor) name() string { return string(a) }

func assignorByName(name string) assignor {
	if name == "uniform" || name == "range" {
		return stubAssignor(name)
	}
	return nil
}
