// Every app setting of the function app, in one place.
//
// RULE (tests/meta/test_azure_app_settings.py reads this file): each setting is one
// `NAME: value` line inside the object literals `settings` and `premiumOnlySettings`; keep
// them literal (no spread, no computed names), one setting per line. The test checks that
// they are exactly the settings the code and the function.json files read, less the
// local-only ones (connection string, Cosmos key, TLS switch), plus the identity-based
// storage URIs and the runtime settings it lists with their reasons.

param appName string
@allowed([
  'flex'
  'premium'
])
param planKind string
@description('The Values of local.settings.sample.json: the documented defaults of the tunables.')
param defaults object
param blobServiceUri string
param queueServiceUri string
param cosmosEndpoint string
param citizenHashKeySecretUri string
param callbackSecretsKeySecretUri string
param notificationHubConnectionSecretUri string
param notificationHubName string
param appInsightsConnectionString string
@description('Premium only: the package blob the app runs from.')
param packageUrl string
@description('Networks allowed to call the internal API; empty: any.')
param internalApiAllowedCidrs array

var settings = {
  // Storage and Cosmos DB reached with the managed identity: URIs, no key.
  AzureWebJobsStorage__blobServiceUri: blobServiceUri
  AzureWebJobsStorage__queueServiceUri: queueServiceUri
  COSMOS_ENDPOINT: cosmosEndpoint
  // Secrets: Key Vault references, resolved by the platform with the managed identity.
  CITIZEN_HASH_KEY: '@Microsoft.KeyVault(SecretUri=${citizenHashKeySecretUri})'
  CALLBACK_SECRETS_KEY: '@Microsoft.KeyVault(SecretUri=${callbackSecretsKeySecretUri})'
  NOTIFICATION_HUB_CONNECTION: '@Microsoft.KeyVault(SecretUri=${notificationHubConnectionSecretUri})'
  NOTIFICATION_HUB_NAME: notificationHubName
  // Tunables: the documented defaults (README, Configuration).
  MESSAGES_QUEUE: defaults.MESSAGES_QUEUE
  PUSH_QUEUE: defaults.PUSH_QUEUE
  REMINDER_SCHEDULE: defaults.REMINDER_SCHEDULE
  SWEEPER_SCHEDULE: defaults.SWEEPER_SCHEDULE
  SERVICE_CACHE_TTL_SECONDS: defaults.SERVICE_CACHE_TTL_SECONDS
  REJECTED_RETENTION_SECONDS: defaults.REJECTED_RETENTION_SECONDS
  ACCEPTED_GRACE_SECONDS: defaults.ACCEPTED_GRACE_SECONDS
  MAX_REDELIVERIES: defaults.MAX_REDELIVERIES
  EVENT_RELAY_GRACE_SECONDS: defaults.EVENT_RELAY_GRACE_SECONDS
  EVENT_FIRST_RETRY_SECONDS: defaults.EVENT_FIRST_RETRY_SECONDS
  CALLBACK_RETRY_SECONDS: defaults.CALLBACK_RETRY_SECONDS
  CALLBACK_RECEIVER_CONCURRENCY: defaults.CALLBACK_RECEIVER_CONCURRENCY
  ATTACHMENT_LINK_SECONDS: defaults.ATTACHMENT_LINK_SECONDS
  REMINDER_UNREAD_AFTER_DAYS: defaults.REMINDER_UNREAD_AFTER_DAYS
  REMINDER_UNREAD_EVERY_DAYS: defaults.REMINDER_UNREAD_EVERY_DAYS
  REMINDER_UNREAD_MAX: defaults.REMINDER_UNREAD_MAX
  REMINDER_PAYMENT_WINDOW_DAYS: defaults.REMINDER_PAYMENT_WINDOW_DAYS
  REMINDER_PAYMENT_EVERY_DAYS: defaults.REMINDER_PAYMENT_EVERY_DAYS
  REMINDER_PAYMENT_MAX: defaults.REMINDER_PAYMENT_MAX
  REMINDER_QUIET_HOURS: defaults.REMINDER_QUIET_HOURS
  REMINDER_TIME_ZONE: defaults.REMINDER_TIME_ZONE
  REMINDER_DAILY_CAP: defaults.REMINDER_DAILY_CAP
  REMINDER_SHARDS: defaults.REMINDER_SHARDS
  REMINDER_PARTITION_CONCURRENCY: defaults.REMINDER_PARTITION_CONCURRENCY
  NEW_MESSAGE_PUSH_QUIET_HOURS: defaults.NEW_MESSAGE_PUSH_QUIET_HOURS
  // The internal API's callers' networks (main.bicep's internalApiAllowedCidrs), comma-separated.
  INTERNAL_API_ALLOWED_CIDRS: join(internalApiAllowedCidrs, ',')
  // The Functions host sends the log lines with it, the app its traces and metrics.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
}

// Flex Consumption takes the runtime and the package from functionAppConfig and refuses
// these; Elastic Premium needs them.
var premiumOnlySettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'python'
  // The package is read from blob storage with the managed identity, so the app needs no
  // Azure Files content share (whose connection string would hold an account key).
  WEBSITE_RUN_FROM_PACKAGE: packageUrl
}

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: appName
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  // This resource holds the app settings only; checkov reads it as a whole web app.
  // checkov:skip=CKV_AZURE_13:App Service Authentication is enabled (authsettingsV2 in function-app.bicep) without requiring it for every request: institutions are authenticated by the app (API keys, IO-compatible).
  // checkov:skip=CKV_AZURE_222:The institution API is public by design (IO-compatible); every route needs an API key or an internal consumer's Entra token.
  // checkov:skip=CKV_AZURE_63:HTTP logging is an App Service web-server log; the Functions host logs requests to Application Insights.
  // checkov:skip=CKV_AZURE_65:Detailed error pages are an App Service web-server feature; errors are problem+json answers, and failures go to Application Insights.
  // checkov:skip=CKV_AZURE_66:Failed request tracing is an App Service web-server log; the Functions host traces to Application Insights.
  // checkov:skip=CKV_AZURE_80:A Python app: no .NET Framework.
  // checkov:skip=CKV_AZURE_88:No Azure Files share on purpose: it needs an account key; the code runs from a package in blob storage read with the managed identity.
  parent: app
  name: 'appsettings'
  properties: planKind == 'flex' ? settings : union(settings, premiumOnlySettings)
}
