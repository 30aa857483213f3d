// Development: serverless Cosmos DB, the free push tier, short retention; deletion
// protection off so the environment can be thrown away. The hash key and the callback
// secrets' key come from the environment of whoever deploys (docs/deploy.md): they are never
// written in a file.
using './main.bicep'

param environment = 'dev'
param planKind = 'flex'
param attachmentRetentionDays = 30
param citizenHashKey = readEnvironmentVariable('POSTINO_CITIZEN_HASH_KEY')
param callbackSecretsKey = readEnvironmentVariable('POSTINO_CALLBACK_SECRETS_KEY')
param notificationHubSku = 'Free'
param cosmosServerless = true
param logRetentionDays = 30
