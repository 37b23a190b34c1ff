/**
 * The tiny Terraform configurations the live suite plans and applies: no provider that needs
 * credentials (terraform_data is built in; random needs only the registry), literal outputs so
 * the same values come back from HCP Terraform and from the stand-in.
 */

/** Two terraform_data resources and three outputs, one sensitive. */
export const TwoResources = {
  'main.tf': `terraform {
  required_version = ">= 1.4"
}

resource "terraform_data" "first" {
  input = "tfe-workspace-run live suite"
}

resource "terraform_data" "second" {
  input = "tfe-workspace-run live suite"
}

output "greeting" {
  value = "hello"
}

output "answer" {
  value = 42
}

output "secret" {
  value     = "never in an output of the step"
  sensitive = true
}
`
}

/** What the step's workspace_outputs holds after TwoResources is applied: the sensitive output left out. */
export const TwoResourcesOutputs = { greeting: 'hello', answer: 42 }

/** A checkout with a module directory: terraform_data and a random_pet (the random provider, from the registry). */
export const CheckoutWithDirectory = {
  'infra/main.tf': `resource "terraform_data" "marker" {
  input = "uploaded from a directory"
}

resource "random_pet" "name" {
  length = 2
}

output "where" {
  value = "infra"
}
`,
  'README.md': 'Not Terraform: uploaded with the directory only when it is inside it.\n'
}
