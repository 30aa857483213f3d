// The storage account: the app's queues (with their poison queues) and blob containers, the
// Functions host's own blob containers, and the container the app's code package is deployed
// to. Shared-key access is off: the app, the host and operators all sign in with Entra ID.
// Every read, write and delete of blobs and queue messages is logged to Log Analytics (the
// audit trail), and uploads can be scanned for malware by Defender for Storage.

param location string
param tags object
param accountName string
param skuName string
@description('Queue names, from shared/storage_layout.json (poison queues included).')
param queues array
@description('Blob container names, from shared/storage_layout.json: all hold app data.')
param blobContainers array
param attachmentRetentionDays int
@description('The Log Analytics workspace the audit logs go to.')
param logAnalyticsWorkspaceId string
@description('Defender for Storage on-upload malware scanning, results written as blob index tags.')
param malwareScanningEnabled bool
@description('Most GB scanned for malware a month (Defender stops scanning beyond it; -1: no cap).')
param malwareScanningCapGBPerMonth int

// Flex Consumption deploys the package into this container; Premium runs it from here.
var deploymentContainerName = 'app-package'
var packageName = 'postino.zip'
// The Functions host's own containers (keys, timer schedules and locks). Created here rather
// than by the host, so that its identity's role can be scoped to them (role-assignments.bicep).
var hostContainerNames = [
  'azure-webjobs-hosts'
  'azure-webjobs-secrets'
]
// Every data-plane operation: who read, wrote or deleted what, and whether it was allowed.
var storageAuditLogs = [
  {
    category: 'StorageRead'
    enabled: true
  }
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_206:Prod uses zone-redundant storage (ZRS, main.bicep); dev keeps LRS so throwaway environments stay cheap.
  // checkov:skip=CKV_AZURE_43:The name is built in main.bicep as 'stpostino' + environment + 8 characters of uniqueString: 3 to 24 lowercase letters and digits.
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    isLocalUserEnabled: false
    isSftpEnabled: false
    // checkov:skip=CKV_AZURE_59:The app runs without VNet integration (Flex Consumption default), so it reaches storage over the public endpoint; every request needs an Entra ID token and shared keys are disabled.
    publicNetworkAccess: 'Enabled'
    // checkov:skip=CKV_AZURE_35:Deny by default would shut out the Functions instances, whose outbound addresses are not fixed without a VNet; access is by Entra ID only (allowSharedKeyAccess false).
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource appContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for name in blobContainers: {
    parent: blobService
    name: name
    properties: {
      publicAccess: 'None'
    }
  }
]

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource hostContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for name in hostContainerNames: {
    parent: blobService
    name: name
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

// The audit trail of blobs (attachments, the host's blobs, the code package) and queues.
// Blob names hold message ids, never fiscal codes; SAS signatures are redacted in the logs.
resource blobAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageAuditLogs
  }
}

resource queueAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageAuditLogs
  }
}

// On-upload malware scanning: each new or changed blob is scanned, and the verdict written
// as the blob index tag 'Malware Scanning scan result' (the app refuses to serve a blob tagged
// 'Malicious'). Deployed only when enabled: left out, the subscription's Defender plan (if
// any) applies, instead of being switched off for this account.
resource defender 'Microsoft.Security/defenderForStorageSettings@2025-06-01' = if (malwareScanningEnabled) {
  name: 'current'
  scope: account
  properties: {
    isEnabled: true
    overrideSubscriptionLevelSettings: true
    malwareScanning: {
      onUpload: {
        isEnabled: true
        capGBPerMonth: malwareScanningCapGBPerMonth
      }
      blobScanResultsOptions: 'blobIndexTags'
    }
    // It would classify the attachments' personal data; not what this setting is for.
    sensitiveDataDiscovery: {
      isEnabled: false
    }
  }
}

resource appQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for name in queues: {
    parent: queueService
    name: name
  }
]

// Attachments are deleted this long after upload; the host's and the deployment's
// containers are left alone (the rule matches the app's blob containers only).
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-old-attachments'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [for name in blobContainers: '${name}/']
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterCreationGreaterThan: attachmentRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    appContainers
  ]
}

output name string = account.name
output attachmentContainerNames array = [for (name, i) in blobContainers: appContainers[i].name]
output hostContainerNames array = [for (name, i) in hostContainerNames: hostContainers[i].name]
output deploymentContainerName string = deploymentContainer.name
output blobServiceUri string = account.properties.primaryEndpoints.blob
output queueServiceUri string = account.properties.primaryEndpoints.queue
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
output packageUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}/${packageName}'
