// The function app: Linux, Python 3.13, on Flex Consumption (default) or Elastic Premium.
// HTTPS only, TLS 1.2, FTP and remote debugging off, a system-assigned identity. Its app
// settings are set by app-settings.bicep once the identity's roles are in place.

param location string
param tags object
param planName string
param appName string
@allowed([
  'flex'
  'premium'
])
param planKind string
@description('Blob container the code package is deployed to (Flex) or run from (Premium).')
param deploymentContainerUrl string
param maximumInstanceCount int
param instanceMemoryMB int
@description('Application (client) id of Postino\'s Microsoft Entra app registration (docs/deploy.md, "The internal API\'s consumers"); empty: no App Service authentication, and the app refuses every internal API call.')
param entraApiClientId string = ''
param entraTenantId string = subscription().tenantId

var isFlex = planKind == 'flex'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225:Zone redundancy of FC1 and EP1 plans depends on the region (and takes three always-on instances on Premium); it is a per-deployment choice, not a default.
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? {
    name: 'FC1'
    tier: 'FlexConsumption'
  } : {
    name: 'EP1'
    tier: 'ElasticPremium'
  }
  properties: {
    // Linux.
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : 20
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222:The institution API is public by design (IO-compatible); every route needs an API key or an internal consumer's Entra token.
  // checkov:skip=CKV_AZURE_212:Flex Consumption scales from zero and Premium keeps one warm instance; failover capacity comes from scale-out, not a fixed count.
  // checkov:skip=CKV_AZURE_213:The app has no health endpoint to probe; the platform restarts a failed host, and failures show in Application Insights.
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    // checkov:skip=CKV_AZURE_17:Institutions authenticate with API keys (IO-compatible API) and the internal API's consumers with Entra tokens; client certificates are not part of the contract.
    clientCertEnabled: false
    // Flex Consumption takes its runtime, scale and package location here; Premium does not.
    functionAppConfig: isFlex ? {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.13'
      }
    } : null
    siteConfig: {
      linuxFxVersion: isFlex ? null : 'Python|3.13'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
      http20Enabled: true
    }
  }
}

// Publishing uses Entra ID (az / func / the deploy workflow), never basic credentials.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

// App Service authentication: validates the Microsoft Entra tokens of the internal API's
// consumers and hands the app their claims (X-MS-CLIENT-PRINCIPAL, which callers cannot
// set). Anonymous requests still reach the app: the institution API authenticates its own
// API keys, and the app requires an app role on every internal route.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(entraApiClientId)) {
  // checkov reads every sites/config as the site's web settings; this one is authsettingsV2,
  // which holds none of them (they are set in siteConfig and app-settings.bicep).
  // checkov:skip=CKV_AZURE_13:This resource is the App Service Authentication; it is not required for every request because institutions authenticate with the app's API keys (IO-compatible).
  // checkov:skip=CKV_AZURE_222:Not a network setting (authsettingsV2); the institution API is public by design.
  // checkov:skip=CKV_AZURE_63:Not a logging setting (authsettingsV2); see app-settings.bicep.
  // checkov:skip=CKV_AZURE_65:Not a logging setting (authsettingsV2); see app-settings.bicep.
  // checkov:skip=CKV_AZURE_66:Not a logging setting (authsettingsV2); see app-settings.bicep.
  // checkov:skip=CKV_AZURE_80:Not a runtime setting (authsettingsV2); a Python app has no .NET Framework.
  // checkov:skip=CKV_AZURE_88:Not a storage setting (authsettingsV2); see app-settings.bicep.
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraApiClientId
          openIdIssuer: 'https://sts.windows.net/${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraApiClientId}'
            entraApiClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = app.name
output principalId string = app.identity.principalId
output defaultHostName string = app.properties.defaultHostName
