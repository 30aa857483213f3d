// Postino on Azure: the function app and everything it reaches, for one environment.
//
//   az deployment group create -g <resource group> -f infra/azure/main.bicep \
//     -p infra/azure/main.<dev|prod>.bicepparam
//
// The database, its containers and the queues are not written here: they are read from
// shared/storage_layout.json, the file local provisioning reads too, so the two cannot drift.
// The app reaches Storage, Cosmos DB and Key Vault with its system-assigned managed identity;
// no account key or connection string to them exists anywhere (docs/deploy.md).

targetScope = 'resourceGroup'

@description('dev or prod: names, redundancy, retention and deletion protection follow it.')
@allowed([
  'dev'
  'prod'
])
param environment string

@description('Region of every resource. Flex Consumption is not offered in every region.')
param location string = resourceGroup().location

@description('flex: Flex Consumption (FC1), scales to zero. premium: Elastic Premium (EP1), always warm.')
@allowed([
  'flex'
  'premium'
])
param planKind string = 'flex'

@description('Days after which attachment blobs are deleted by the storage lifecycle rule.')
@minValue(1)
param attachmentRetentionDays int = 1095

@description('The key of the keyed hash naming citizens outside the store (push tags). Changing it changes every push tag: see docs/deploy.md before rotating.')
@secure()
@minLength(32)
param citizenHashKey string

@description('The AES-256 key that seals the callback signing secrets of services: 32 random bytes in base64 (44 characters). A new key makes every sealed secret unreadable: see docs/deploy.md before rotating.')
@secure()
@minLength(44)
@maxLength(44)
param callbackSecretsKey string

@description('Notification Hubs namespace tier.')
@allowed([
  'Free'
  'Basic'
  'Standard'
])
param notificationHubSku string = 'Free'

@description('Cosmos DB serverless (pay per request) or provisioned autoscale throughput.')
param cosmosServerless bool = true

@description('Autoscale maximum RU/s shared by the containers when not serverless.')
@minValue(1000)
param cosmosMaxThroughput int = 1000

@description('Flex Consumption: most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption: memory of each instance.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Days Log Analytics keeps logs and traces.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Defender for Storage on-upload malware scanning of the storage account (attachments): on by default in prod. Billed per account and per GB scanned (docs/deploy.md).')
param malwareScanningEnabled bool = environment == 'prod'

@description('Most GB Defender scans for malware in a month; beyond it uploads go unscanned until the month ends. -1: no cap.')
@minValue(-1)
param malwareScanningCapGBPerMonth int = 5000

@description('Networks (CIDRs, e.g. 10.20.0.0/16) allowed to call the internal API (citizen back end, payment platform). Empty: no restriction by network.')
param internalApiAllowedCidrs array = []

@description('Application (client) id of Postino\'s Microsoft Entra app registration, whose app roles (CitizenBackend, PaymentPlatform) the internal API\'s consumers carry; empty until it exists: the internal API then refuses every call (docs/deploy.md).')
param entraApiClientId string = ''

param tags object = {}

// The one definition of the database, containers, queues and blob containers.
var layout = loadJsonContent('../../shared/storage_layout.json')
// The documented defaults of the app's tunable settings (schedules, reminder numbers, queue
// names): written once, in the committed sample the local stack starts from.
var settingDefaults = loadJsonContent('../../local.settings.sample.json').Values

var isProd = environment == 'prod'
var suffix = take(uniqueString(resourceGroup().id, environment), 8)
var allTags = union(tags, {
  application: 'postino'
  environment: environment
})

module monitoring 'modules/monitoring.bicep' = {
  name: 'postino-monitoring'
  params: {
    location: location
    tags: allTags
    workspaceName: 'log-postino-${environment}-${suffix}'
    appInsightsName: 'appi-postino-${environment}-${suffix}'
    retentionInDays: logRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'postino-storage'
  params: {
    location: location
    tags: allTags
    accountName: 'stpostino${environment}${suffix}'
    skuName: isProd ? 'Standard_ZRS' : 'Standard_LRS'
    queues: layout.queues
    blobContainers: layout.blobContainers
    attachmentRetentionDays: attachmentRetentionDays
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    malwareScanningEnabled: malwareScanningEnabled
    malwareScanningCapGBPerMonth: malwareScanningCapGBPerMonth
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'postino-cosmos'
  params: {
    location: location
    tags: allTags
    accountName: 'cosmos-postino-${environment}-${suffix}'
    databaseName: layout.cosmos.database
    containers: layout.cosmos.containers
    serverless: cosmosServerless
    maxThroughput: cosmosMaxThroughput
    zoneRedundant: isProd
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'postino-key-vault'
  params: {
    location: location
    tags: allTags
    vaultName: 'kv-postino-${environment}-${suffix}'
    purgeProtection: isProd
    citizenHashKey: citizenHashKey
    callbackSecretsKey: callbackSecretsKey
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module notificationHubs 'modules/notification-hubs.bicep' = {
  name: 'postino-notification-hubs'
  params: {
    location: location
    tags: allTags
    namespaceName: 'ntfns-postino-${environment}-${suffix}'
    hubName: 'postino'
    skuName: notificationHubSku
    keyVaultName: keyVault.outputs.name
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'postino-function-app'
  params: {
    location: location
    tags: allTags
    planName: 'plan-postino-${environment}-${suffix}'
    appName: 'func-postino-${environment}-${suffix}'
    planKind: planKind
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    entraApiClientId: entraApiClientId
  }
}

module access 'modules/role-assignments.bicep' = {
  name: 'postino-role-assignments'
  params: {
    principalId: functionApp.outputs.principalId
    planKind: planKind
    storageAccountName: storage.outputs.name
    attachmentContainerNames: storage.outputs.attachmentContainerNames
    hostContainerNames: storage.outputs.hostContainerNames
    deploymentContainerName: storage.outputs.deploymentContainerName
    cosmosAccountName: cosmos.outputs.name
    keyVaultName: keyVault.outputs.name
  }
}

module appSettings 'modules/app-settings.bicep' = {
  name: 'postino-app-settings'
  // Settings last: the app restarts with them once its identity can reach what they name.
  dependsOn: [
    access
  ]
  params: {
    appName: functionApp.outputs.name
    planKind: planKind
    defaults: settingDefaults
    blobServiceUri: storage.outputs.blobServiceUri
    queueServiceUri: storage.outputs.queueServiceUri
    cosmosEndpoint: cosmos.outputs.endpoint
    citizenHashKeySecretUri: keyVault.outputs.citizenHashKeySecretUri
    callbackSecretsKeySecretUri: keyVault.outputs.callbackSecretsKeySecretUri
    notificationHubConnectionSecretUri: notificationHubs.outputs.connectionSecretUri
    notificationHubName: notificationHubs.outputs.hubName
    appInsightsConnectionString: monitoring.outputs.connectionString
    packageUrl: storage.outputs.packageUrl
    internalApiAllowedCidrs: internalApiAllowedCidrs
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output cosmosEndpoint string = cosmos.outputs.endpoint
output cosmosAccountName string = cosmos.outputs.name
output storageAccountName string = storage.outputs.name
output blobServiceUri string = storage.outputs.blobServiceUri
output queueServiceUri string = storage.outputs.queueServiceUri
output keyVaultName string = keyVault.outputs.name
output notificationHubNamespace string = notificationHubs.outputs.namespaceName
output notificationHubName string = notificationHubs.outputs.hubName
output appInsightsName string = monitoring.outputs.appInsightsName
output packageUrl string = storage.outputs.packageUrl
output planKind string = planKind
