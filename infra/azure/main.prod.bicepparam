// Production: zone-redundant storage and Cosmos DB, autoscale throughput, purge protection
// on Key Vault, three years of attachments (as IO keeps rejected messages), uploads scanned
// for malware. The hash key comes from the environment of whoever deploys (docs/deploy.md):
// it is never written in a file, and changing it changes every push tag.
using './main.bicep'

param environment = 'prod'
param planKind = 'flex'
param attachmentRetentionDays = 1095
param citizenHashKey = readEnvironmentVariable('POSTINO_CITIZEN_HASH_KEY')
param notificationHubSku = 'Basic'
param cosmosServerless = false
param cosmosMaxThroughput = 4000
param maximumInstanceCount = 200
param logRetentionDays = 90
param malwareScanningEnabled = true
