// Production: zone-redundant storage and Cosmos DB, autoscale throughput, purge protection
// on Key Vault, three years of attachments (as IO keeps rejected messages), uploads scanned
// for malware. The hash key and the callback secrets' key come from the environment of
// whoever deploys (docs/deploy.md): they are never written in a file; changing the first
// changes every push tag, changing the second makes every sealed callback secret unreadable.
using './main.bicep'

param environment = 'prod'
param planKind = 'flex'
param attachmentRetentionDays = 1095
param citizenHashKey = readEnvironmentVariable('POSTINO_CITIZEN_HASH_KEY')
param callbackSecretsKey = readEnvironmentVariable('POSTINO_CALLBACK_SECRETS_KEY')
param notificationHubSku = 'Basic'
param cosmosServerless = false
param cosmosMaxThroughput = 4000
param maximumInstanceCount = 200
param logRetentionDays = 90
param malwareScanningEnabled = true
