package iampolicy

import (
	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretref/secretref/secrets"
)

// replicas adds, for each failover region, what reading each reference's
// replica there needs.
func (d *deriver) replicas() error {
	for _, region := range d.in.FailoverRegions {
		if !regionPattern.MatchString(region) && !isPlaceholder(region) {
			return invalidArg("failover region %q is not a region name", region)
		}
		for _, raw := range d.in.Refs {
			r, err := secrets.ParseRef(raw)
			if err != nil {
				return err
			}
			switch r.Scheme {
			case secrets.SchemeSecretsManager:
				err = d.secretReplica(raw, r, region)
			case secrets.SchemeParameterStore:
				err = d.parameterReplica(raw, r, region)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// secretReplica adds GetSecretValue on r's replica in region, and its
// decryption there; its rotation schedule is read in its own region.
func (d *deriver) secretReplica(raw string, r secrets.Ref, region string) error {
	p, resource, err := d.secretResource(raw, r.Name)
	if err != nil || p.region == region {
		return err
	}
	resource = inRegion(resource, region)
	if _, ok := d.secrets[resource]; !ok {
		d.secrets[resource] = false
	}
	if r.Stage == "" && r.VersionID == "" {
		add(d.smBatches, region, r.Name)
	}
	d.decrypts[raw] = append(d.decrypts[raw], decryption{"secretsmanager", region, contextSecretARN, resource})
	return nil
}

// parameterReplica adds the reads of r's copy in region: the parameter of
// the same name there.
func (d *deriver) parameterReplica(raw string, r secrets.Ref, region string) error {
	name := r.Name
	if a, err := arn.Parse(name); err == nil {
		if a.Region == region {
			return nil
		}
		a.Region = region
		r.Name = a.String()
		return d.parameter(raw, r)
	}
	if d.home.region == region {
		return nil
	}
	if err := d.home.complete(raw); err != nil {
		return err
	}
	replica := d.home
	replica.region = region
	path := name
	if path[0] != '/' {
		path = "/" + path
	}
	r.Name = replica.arn("ssm", "parameter"+path)
	return d.parameter(raw, r)
}

// inRegion returns an ARN, or ARN pattern, with its region replaced.
func inRegion(resource, region string) string {
	a, err := arn.Parse(resource)
	if err != nil {
		return resource
	}
	a.Region = region
	return a.String()
}
